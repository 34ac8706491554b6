/** What applying a refund or dispute did; handlers log the non-applied outcomes and do not retry them. */
export type ApplyAdjustmentResult =
  | {
      outcome: "applied";
      organizationId: string;
      topUpId: string | null;
      status: string;
      /** Idempotency keys of the journal entries this call posted (empty on a repeat). */
      posted: string[];
    }
  /** The charge is neither a top-up of ours nor a customer of ours (another integration on the account). */
  | { outcome: "not_ours"; chargeId: string | null }
  /** Ours, but not something the ledger can take as it is (a currency other than USD): an operator looks. */
  | { outcome: "unsupported"; organizationId: string | null; reason: string };
