import { sql } from "drizzle-orm";
import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { cursorRows, isoText } from "../snapshot-cursor";
import { defineExport } from "../export-definition";
import { amountColumns, guardedColumn, textColumn, type TextRow } from "./text-row-columns";

/** The entries a refund or dispute posts (server/billing/adjustments): each moves buyer_balance against Stripe clearing. */
export const ADJUSTMENT_ENTRY_KINDS = ["refund", "refund_reversal", "dispute_withdrawal", "dispute_reinstatement"] as const;

/**
 * Refunds and disputes: one row per journal entry of those kinds posted in the period, with the Stripe object it
 * mirrors (`stripe_object_id` = payment_adjustments.id, re_… or dp_…). `amount` is the entry's buyer_balance
 * line (signed: a refund or withdrawal is negative), so Σ amount over the rows = the ledger's buyer_balance lines
 * of those kinds in the period, for the same organization filter. The `adjustment_*` columns are the Stripe
 * object's latest known state (a dispute can still be won after its month closed), the rest is frozen ledger.
 */
export const adjustmentsExport = defineExport<TextRow>({
  spec: EXPORT_SPECS["adjustments"],
  columns: [
    textColumn("journal_entry_id"),
    textColumn("posted_at"),
    textColumn("occurred_at"),
    textColumn("kind"),
    textColumn("idempotency_key"),
    textColumn("stripe_object_id"),
    textColumn("stripe_charge_id"),
    textColumn("top_up_id"),
    textColumn("organization_id"),
    guardedColumn("organization_name"),
    ...amountColumns("amount", { rounded: true }),
    textColumn("adjustment_kind"),
    textColumn("adjustment_status"),
    guardedColumn("adjustment_reason"),
    ...amountColumns("adjustment_amount", { rounded: true }),
    textColumn("adjustment_created_at"),
  ],
  rows(tx, filter) {
    const org = filter.organizationId === null ? sql`` : sql` and b.organization_id = ${filter.organizationId}`;
    const kinds = sql.join(
      ADJUSTMENT_ENTRY_KINDS.map((k) => sql`${k}`),
      sql`, `,
    );
    return cursorRows<TextRow>(
      tx,
      sql`
        select je.id as journal_entry_id, ${isoText(sql`je.created_at`)} as posted_at, ${isoText(sql`je.occurred_at`)} as occurred_at, je.kind,
          je.idempotency_key, je.stripe_object_id, pa.stripe_charge_id, pa.top_up_id, b.organization_id, o.name as organization_name,
          b.amount_nanos::text as amount_nanos, pa.kind as adjustment_kind, pa.status as adjustment_status, pa.reason as adjustment_reason,
          pa.amount_nanos::text as adjustment_amount_nanos, ${isoText(sql`pa.stripe_created_at`)} as adjustment_created_at
        from journal_entries je
        join lateral (
          select l.organization_id, sum(l.amount_nanos) as amount_nanos
          from ledger_lines l
          where l.journal_entry_id = je.id and l.account = 'buyer_balance'
          group by l.organization_id
        ) b on true
        left join payment_adjustments pa on pa.id = je.stripe_object_id
        left join organizations o on o.id = b.organization_id
        where je.kind in (${kinds}) and je.created_at >= ${filter.period.start.toISOString()}::timestamptz and je.created_at < ${filter.period.end.toISOString()}::timestamptz${org}
        order by je.created_at, je.id collate "C", b.organization_id collate "C"`,
    );
  },
});
