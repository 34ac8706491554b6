import { sql } from "drizzle-orm";
import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { exactUsd, spreadsheetSafe } from "../csv-cells";
import { defineExport, type ExportFilter } from "../export-definition";
import { cursorRows, isoText } from "../snapshot-cursor";
import type { CsvColumn } from "../stream-csv";

/** Text only (isoText, ::text), so both databases write identical bytes. Line fields are null for an entry without lines. */
export type JournalRow = {
  journal_entry_id: string;
  posted_at: string;
  occurred_at: string | null;
  kind: string;
  idempotency_key: string;
  request_id: string | null;
  stripe_object_id: string | null;
  memo: string | null;
  line_id: string | null;
  account: string | null;
  organization_id: string | null;
  amount_nanos: string | null;
};

const text = (key: keyof JournalRow) => (r: JournalRow) => r[key] ?? "";

const COLUMNS: CsvColumn<JournalRow>[] = [
  { header: "journal_entry_id", cell: text("journal_entry_id") },
  { header: "posted_at", cell: text("posted_at") },
  { header: "occurred_at", cell: text("occurred_at") },
  { header: "kind", cell: text("kind") },
  // Idempotency keys embed Stripe ids and request ids (ours or Stripe's): guarded like any text we did not write whole.
  { header: "idempotency_key", cell: (r) => spreadsheetSafe(r.idempotency_key) },
  { header: "request_id", cell: text("request_id") },
  { header: "stripe_object_id", cell: (r) => spreadsheetSafe(r.stripe_object_id) },
  { header: "memo", cell: (r) => spreadsheetSafe(r.memo) },
  { header: "line_id", cell: text("line_id") },
  { header: "account", cell: text("account") },
  { header: "organization_id", cell: text("organization_id") },
  { header: "amount_nanos", cell: text("amount_nanos") },
  { header: "amount_usd_exact", cell: (r) => (r.amount_nanos === null ? "" : exactUsd(BigInt(r.amount_nanos))) },
];

/**
 * One row per ledger line of every entry posted in the period (created_at, the posting date), and an entry
 * without lines (a zero-cost settlement) once with empty line fields, so the file lists every entry. Filtered
 * by organization it holds only that organization's lines (and so no line-less entries): those lines don't
 * balance on their own, the unfiltered file sums to zero.
 */
export function journalQuery(filter: ExportFilter) {
  const where = [sql`je.created_at >= ${filter.period.start.toISOString()}::timestamptz`, sql`je.created_at < ${filter.period.end.toISOString()}::timestamptz`];
  const join = filter.organizationId ? sql`join ledger_lines ll on ll.journal_entry_id = je.id and ll.organization_id = ${filter.organizationId}` : sql`left join ledger_lines ll on ll.journal_entry_id = je.id`;
  return sql`
    select je.id as journal_entry_id,
      ${isoText(sql`je.created_at`)} as posted_at,
      ${isoText(sql`je.occurred_at`)} as occurred_at,
      je.kind, je.idempotency_key, je.request_id, je.stripe_object_id, je.memo,
      ll.id as line_id, ll.account, ll.organization_id, ll.amount_nanos::text as amount_nanos
    from journal_entries je
    ${join}
    where ${sql.join(where, sql` and `)}
    order by je.created_at, je.id collate "C", ll.id collate "C" nulls first`;
}

export const journalExport = defineExport<JournalRow>({
  spec: EXPORT_SPECS["journal"],
  columns: COLUMNS,
  rows: (tx, filter) => cursorRows<JournalRow>(tx, journalQuery(filter)),
});
