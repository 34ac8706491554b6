import { sql } from "drizzle-orm";
import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { cursorRows, isoText } from "../snapshot-cursor";
import { defineExport } from "../export-definition";
import { amountColumns, guardedColumn, textColumn, type TextRow } from "./text-row-columns";

/**
 * The payouts register: one row per payout whose claim (`payout:<id>`, kind payout: provider_earnings −X,
 * provider_in_transit +X) is posted in the period, so Σ amount over the rows is, by construction, Σ −X of the
 * ledger's payout entries for the same filter. A payout is in the period its claim is dated in (its posting date,
 * which is its `created_at` unless that fell in a closed period).
 *
 * The ledger columns (amount, entries, posting dates) are frozen once the period closes; status, transfer,
 * reversal and bank columns are the payout's state when the export is read (a payout claimed in a closed month
 * can still be transferred, paid or reversed later, its entries posting in the open period).
 */
export const payoutsExport = defineExport<TextRow>({
  spec: EXPORT_SPECS["payouts"],
  columns: [
    textColumn("payout_id"),
    textColumn("organization_id"),
    guardedColumn("organization_name"),
    textColumn("stripe_account_id"),
    textColumn("trigger"),
    textColumn("run_id"),
    ...amountColumns("amount", { rounded: true }),
    textColumn("status"),
    textColumn("stripe_transfer_id"),
    ...amountColumns("amount_reversed", { rounded: true }),
    textColumn("bank_payout_id"),
    textColumn("bank_status"),
    textColumn("bank_arrival_at"),
    guardedColumn("failure_reason"),
    guardedColumn("bank_failure_message"),
    textColumn("created_at"),
    textColumn("transferred_at"),
    textColumn("paid_at"),
    textColumn("claim_journal_entry_id"),
    textColumn("claim_posted_at"),
    textColumn("transfer_journal_entry_id"),
    textColumn("transfer_posted_at"),
  ],
  rows(tx, filter) {
    const org = filter.organizationId === null ? sql`` : sql` and p.organization_id = ${filter.organizationId}`;
    return cursorRows<TextRow>(
      tx,
      sql`
        select p.id as payout_id, p.organization_id, o.name as organization_name, p.stripe_account_id, p.trigger, p.run_id,
          p.amount_nanos::text as amount_nanos, p.status, p.stripe_transfer_id, p.amount_reversed_nanos::text as amount_reversed_nanos,
          p.bank_payout_id, p.bank_status, ${isoText(sql`p.bank_arrival_at`)} as bank_arrival_at, p.failure_reason, p.bank_failure_message,
          ${isoText(sql`p.created_at`)} as created_at, ${isoText(sql`p.transferred_at`)} as transferred_at, ${isoText(sql`p.paid_at`)} as paid_at,
          claim.id as claim_journal_entry_id, ${isoText(sql`claim.created_at`)} as claim_posted_at,
          transfer.id as transfer_journal_entry_id, ${isoText(sql`transfer.created_at`)} as transfer_posted_at
        from payouts p
        join journal_entries claim on claim.idempotency_key = 'payout:' || p.id and claim.kind = 'payout'
        left join journal_entries transfer on transfer.idempotency_key = 'payout:' || p.id || ':transferred'
        left join organizations o on o.id = p.organization_id
        where claim.created_at >= ${filter.period.start.toISOString()}::timestamptz and claim.created_at < ${filter.period.end.toISOString()}::timestamptz${org}
        order by claim.created_at, p.id collate "C"`,
    );
  },
});
