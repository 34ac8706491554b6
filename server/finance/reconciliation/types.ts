import type { ReconciliationItemStatus, ReconciliationRunStatus, ReconciliationTrigger } from "../../../db/schema";
import type { Period } from "../period";

export type ReconciliationRunView = {
  id: string;
  trigger: ReconciliationTrigger;
  period: Period;
  status: ReconciliationRunStatus;
  error: string | null;
  matched: number;
  missing_in_stripe: number;
  missing_in_ledger: number;
  amount_mismatch: number;
  /**
   * Stripe balance transactions that never have ledger entries (the platform's own bank payouts, its funds
   * top-ups, Stripe-only fee lines): counted, kept as `matched` items of kind `other`, never open mismatches.
   */
  stripe_only: number;
  fees_posted_nanos: bigint;
  started_at: Date;
  finished_at: Date | null;
};

export type ReconciliationItemView = {
  id: string;
  status: ReconciliationItemStatus;
  kind: string;
  stripe_object_id: string;
  stripe_account: string | null;
  organization_id: string | null;
  journal_entry_ids: string[];
  /** Net in Stripe's sign (money into the platform's Stripe balance positive): gross less Stripe's fees, each side's own. Bank payouts: the payout's amount. */
  ledger_nanos: bigint | null;
  stripe_nanos: bigint | null;
  description: string;
  occurred_at: Date | null;
};

export type ReconciliationOverview = {
  /** Stripe is configured (STRIPE_SECRET_KEY); without it there is nothing to reconcile. */
  available: boolean;
  latest: ReconciliationRunView | null;
  /** The latest completed current run's items that are not `matched` (a run for an explicit month is listed in `runs` only). */
  open_mismatches: ReconciliationItemView[];
  /** Recent runs, newest first. */
  runs: ReconciliationRunView[];
  /** When the scheduled run is next due (RECONCILIATION_INTERVAL_HOURS after the last current run started). */
  next_scheduled_at: Date | null;
};
