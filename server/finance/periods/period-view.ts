import type { accountingPeriods } from "../../../db/schema";
import { monthKey } from "../period";
import type { ClosedPeriodView } from "./types";

export function closedPeriodView(row: typeof accountingPeriods.$inferSelect): ClosedPeriodView {
  return {
    month: monthKey(row.periodStart),
    period: { start: row.periodStart, end: row.periodEnd },
    closed_at: row.closedAt,
    closed_by_email: row.closedByEmail,
    journal_entry_count: row.journalEntryCount,
    ledger_line_count: row.ledgerLineCount,
  };
}
