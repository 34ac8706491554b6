import type { Db } from "../db/client";
import type { EndpointPolicy } from "./http/endpoint-policy";

/** What every service function receives: the database, the clock and platform settings. */
export type ServiceContext = {
  db: Db;
  now: () => Date;
  platform_fee_bps: number;
  /** Local test credit granted to each new organization (no Stripe yet), nano-USD. */
  test_credit_nanos: bigint;
  /**
   * Canary verification is off (VERIFICATION_ENABLED=false): offers are trusted as registered and
   * marked verified at once. Only for tests that need exact slot accounting and private deployments
   * with one trusted provider; a public marketplace never sets it. Absent = verification on.
   */
  trust_offer_claims?: boolean;
  /** Which provider endpoints may be registered and called (PROVIDER_ALLOWED_NETWORKS). Absent = public addresses only. */
  endpoint_policy?: EndpointPolicy;
};
