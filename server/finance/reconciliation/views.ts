import { reconciliationItems, reconciliationRuns } from "../../../db/schema";
import type { ReconciliationItemView, ReconciliationRunView } from "./types";

type RunRow = typeof reconciliationRuns.$inferSelect;
type ItemRow = typeof reconciliationItems.$inferSelect;

export function runView(row: RunRow, stripe_only: number): ReconciliationRunView {
  return {
    id: row.id,
    trigger: row.trigger,
    period: { start: row.periodStart, end: row.periodEnd },
    status: row.status,
    error: row.error,
    matched: row.matched,
    missing_in_stripe: row.missingInStripe,
    missing_in_ledger: row.missingInLedger,
    amount_mismatch: row.amountMismatch,
    stripe_only,
    fees_posted_nanos: row.feesPostedNanos,
    started_at: row.startedAt,
    finished_at: row.finishedAt,
  };
}

export function itemView(row: ItemRow): ReconciliationItemView {
  return {
    id: row.id,
    status: row.status,
    kind: row.kind,
    stripe_object_id: row.stripeObjectId,
    stripe_account: row.stripeAccount,
    organization_id: row.organizationId,
    journal_entry_ids: row.journalEntryIds,
    ledger_nanos: row.ledgerNanos,
    stripe_nanos: row.stripeNanos,
    description: row.description,
    occurred_at: row.occurredAt,
  };
}
