/**
 * The monthly statement's shapes (statement.ts builds them, statement-csv.ts renders them). Kept apart so the
 * CSV renderer and the statement query import one another in one direction only.
 */

/**
 * What a statement line is, in the order totals are listed. `other` is any provider_earnings line posted by an
 * entry kind this list does not name (an operator correction, a future kind): it is shown, never dropped, so
 * the lines always sum to the ledger.
 */
export const STATEMENT_LINE_KINDS = ["earnings", "clawback", "clawback_release", "payout", "payout_failure", "payout_reversal", "other"] as const;
export type StatementLineKind = (typeof STATEMENT_LINE_KINDS)[number];

/** One line of a provider's monthly statement; the lines sum to closing − opening exactly (nano-USD). */
export type StatementLine = {
  /** Start of the UTC day the line's entries were posted. */
  day: Date;
  /** When it was posted: the journal entry's time, or for an earnings line its first settlement's. */
  at: Date;
  kind: StatementLineKind;
  description: string;
  /** Model and machine for earnings lines (null for the others). */
  model_id: string | null;
  machine_id: string | null;
  /** The machine's name as the provider registered it (its id when the machine row is gone). */
  machine_label: string | null;
  /**
   * What the line is about, as one id: the payout id (payout, payout_failure), the Stripe transfer reversal id
   * (payout_reversal), the refund or dispute the clawback answers (its entry's source key, e.g. `refund:re_…`).
   */
  reference: string | null;
  payout_id: string | null;
  stripe_transfer_id: string | null;
  stripe_reversal_id: string | null;
  /** The one journal entry behind a non-earnings line (earnings lines group many settlements: null). */
  journal_entry_id: string | null;
  /** Settled requests behind an earnings line; 0 for the others. */
  requests: number;
  amount_nanos: bigint;
};

export type ProviderStatement = {
  organizationId: string;
  /** "YYYY-MM" (UTC); the period is [start, end). */
  month: string;
  start: Date;
  end: Date;
  /** Σ of the organization's provider_earnings lines before `start`. */
  opening_balance_nanos: bigint;
  /** Oldest first: by day, a day's earnings (by model, then machine) before its other lines (by time). */
  lines: StatementLine[];
  /** Σ amount_nanos of the lines of each kind (every kind present, 0 when none). */
  totals: Record<StatementLineKind, bigint>;
  /** opening + Σ lines, checked against Σ of the provider_earnings lines before `end` in the same read. */
  closing_balance_nanos: bigint;
  /** Money that reached the provider's Stripe balance in the month (transfers made − reversed). */
  transferred_nanos: bigint;
};
