import type { Db } from "../db/client";

/** What every service function receives: the database, the clock and platform settings. */
export type ServiceContext = {
  db: Db;
  now: () => Date;
  platform_fee_bps: number;
  /** Local test credit granted to each new organization (no Stripe yet), nano-USD. */
  test_credit_nanos: bigint;
};
