import { sql } from "drizzle-orm";
import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { cursorRows, isoText } from "../snapshot-cursor";
import { defineExport } from "../export-definition";
import { amountColumns, textColumn, type TextRow } from "./text-row-columns";

/** The entries a refund or dispute posts (server/billing/adjustments): each moves buyer_balance against Stripe clearing. */
export const ADJUSTMENT_ENTRY_KINDS = ["refund", "refund_reversal", "dispute_withdrawal", "dispute_reinstatement"] as const;

/**
 * Refunds and disputes: one row per journal entry of those kinds posted in the period, with the Stripe object it
 * mirrors (`stripe_object_id` = payment_adjustments.id, re_… or dp_…). `amount` is the entry's buyer_balance
 * line (signed: a refund or withdrawal is negative), so Σ amount over the rows = the ledger's buyer_balance lines
 * of those kinds in the period, for the same organization filter.
 *
 * Every column is fixed once the period closes (an export of a closed period is byte-identical every time): the
 * entry itself (the organization by id, never its renameable name), and of the payment_adjustments row only what recordAdjustment never rewrites (kind, charge,
 * Stripe's `created`; the row is written in the transaction that posts the entry). Its status, reason and amount
 * are rewritten by every later Stripe read (a dispute is won after its month closed, a failed refund's reason
 * becomes the failure's), so they are left out: the entry's kind says what happened, its amount what moved. The
 * row's top-up link can be made later too (a refund read before its top-up was credited), so `top_up_id` is the
 * ledger's instead: the `top_up:<id>` entry of the same charge posted before the period's end, else empty.
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
    ...amountColumns("amount", { rounded: true }),
    textColumn("adjustment_kind"),
    textColumn("adjustment_created_at"),
  ],
  rows(tx, filter) {
    const org = filter.organizationId === null ? sql`` : sql` and b.organization_id = ${filter.organizationId}`;
    const end = sql`${filter.period.end.toISOString()}::timestamptz`;
    const kinds = sql.join(
      ADJUSTMENT_ENTRY_KINDS.map((k) => sql`${k}`),
      sql`, `,
    );
    return cursorRows<TextRow>(
      tx,
      sql`
        select je.id as journal_entry_id, ${isoText(sql`je.created_at`)} as posted_at, ${isoText(sql`je.occurred_at`)} as occurred_at, je.kind,
          je.idempotency_key, je.stripe_object_id, pa.stripe_charge_id, tu.top_up_id, b.organization_id,
          b.amount_nanos::text as amount_nanos, pa.kind as adjustment_kind, ${isoText(sql`pa.stripe_created_at`)} as adjustment_created_at
        from journal_entries je
        join lateral (
          select l.organization_id, sum(l.amount_nanos) as amount_nanos
          from ledger_lines l
          where l.journal_entry_id = je.id and l.account = 'buyer_balance'
          group by l.organization_id
        ) b on true
        left join payment_adjustments pa on pa.id = je.stripe_object_id
        left join lateral (
          select substr(t.idempotency_key, 8) as top_up_id
          from journal_entries t
          where t.kind = 'top_up' and t.stripe_object_id = pa.stripe_charge_id and left(t.idempotency_key, 7) = 'top_up:' and t.created_at < ${end}
          order by t.created_at, t.id collate "C"
          limit 1
        ) tu on true
        where je.kind in (${kinds}) and je.created_at >= ${filter.period.start.toISOString()}::timestamptz and je.created_at < ${end}${org}
        order by je.created_at, je.id collate "C", b.organization_id collate "C"`,
    );
  },
});
