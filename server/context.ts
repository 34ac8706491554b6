import type { Db } from "../db/client";
import type { PayoutPolicy } from "./billing/payouts/policy";
import type { StripeBilling } from "./billing/stripe/client";
import type { EndpointPolicy } from "./http/endpoint-policy";

/** What every service function receives: the database, the clock and platform settings. */
export type ServiceContext = {
  db: Db;
  now: () => Date;
  platform_fee_bps: number;
  /** Local test credit granted to each new organization, nano-USD; 0 whenever Stripe is configured. */
  test_credit_nanos: bigint;
  /**
   * Canary verification is off (VERIFICATION_ENABLED=false): offers are trusted as registered and
   * marked verified at once. Only for tests that need exact slot accounting and private deployments
   * with one trusted provider; a public marketplace never sets it. Absent = verification on.
   */
  trust_offer_claims?: boolean;
  /** Stripe, when configured (STRIPE_SECRET_KEY); null or absent = local test balance only, nothing is ever charged. */
  stripe?: StripeBilling | null;
  /** When providers' earnings become payable and how often they are paid (README "Payouts"). Absent = the defaults. */
  payout_policy?: PayoutPolicy;
  /** The marketplace's public base URL (Checkout success/cancel links). */
  base_url?: string;
  /** Which provider endpoints may be registered and called (PROVIDER_ALLOWED_NETWORKS). Absent = public addresses only. */
  endpoint_policy?: EndpointPolicy;
};
