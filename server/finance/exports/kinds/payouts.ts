import { sql } from "drizzle-orm";
import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { cursorRows, isoText } from "../snapshot-cursor";
import { defineExport } from "../export-definition";
import { amountColumns, textColumn, type TextRow } from "./text-row-columns";

/**
 * The payouts register: one row per payout whose claim (`payout:<id>`, kind payout: provider_earnings −X,
 * provider_in_transit +X) is posted in the period, so Σ amount over the rows is, by construction, Σ −X of the
 * ledger's payout entries for the same filter. A payout is in the period its claim is dated in (its posting date,
 * which is its `created_at` unless that fell in a closed period).
 *
 * Every column is fixed once the period closes (an export of a closed period is byte-identical every time): the
 * payout row's immutable facts (id, organization id, account, trigger, run, amount, created_at) and what the ledger
 * had posted before the period's end: `payout:<id>:transferred` (its Stripe transfer id) or `payout:<id>:failed`,
 * hence `status_at_period_end` claimed | transferred | failed (both are fenced on `pending`: never both).
 * Later postings (a transfer or failure dated after the period, whenever it happens) never show here; they show
 * in the register of the period whose end they precede. Left out on purpose, as state that moves after the
 * fact: the organization's name (an admin can rename it), the payout's current status and failure reason, and
 * its bank payout (no ledger money: the provider's own Stripe balance going to their bank; the Payouts page
 * shows it). Reversals are left out too: a
 * `transfer_reversal:<trr>` entry names the reversal, not the transfer or payout it reverses (only its memo's
 * words do), so the ledger cannot tie one to a payout; the journal export and provider statements carry them.
 */
export const payoutsExport = defineExport<TextRow>({
  spec: EXPORT_SPECS["payouts"],
  columns: [
    textColumn("payout_id"),
    textColumn("organization_id"),
    textColumn("stripe_account_id"),
    textColumn("trigger"),
    textColumn("run_id"),
    ...amountColumns("amount", { rounded: true }),
    textColumn("created_at"),
    textColumn("claim_journal_entry_id"),
    textColumn("claim_posted_at"),
    textColumn("status_at_period_end"),
    textColumn("transferred_entry_id"),
    textColumn("transferred_at"),
    textColumn("stripe_transfer_id"),
    textColumn("failed_entry_id"),
    textColumn("failed_at"),
  ],
  rows(tx, filter) {
    const org = filter.organizationId === null ? sql`` : sql` and p.organization_id = ${filter.organizationId}`;
    const end = sql`${filter.period.end.toISOString()}::timestamptz`;
    return cursorRows<TextRow>(
      tx,
      sql`
        select p.id as payout_id, p.organization_id, p.stripe_account_id, p.trigger, p.run_id,
          p.amount_nanos::text as amount_nanos, ${isoText(sql`p.created_at`)} as created_at,
          claim.id as claim_journal_entry_id, ${isoText(sql`claim.created_at`)} as claim_posted_at,
          case when transfer.id is not null then 'transferred' when failure.id is not null then 'failed' else 'claimed' end as status_at_period_end,
          transfer.id as transferred_entry_id, ${isoText(sql`transfer.created_at`)} as transferred_at, transfer.stripe_object_id as stripe_transfer_id,
          failure.id as failed_entry_id, ${isoText(sql`failure.created_at`)} as failed_at
        from payouts p
        join journal_entries claim on claim.idempotency_key = 'payout:' || p.id and claim.kind = 'payout'
        left join journal_entries transfer on transfer.idempotency_key = 'payout:' || p.id || ':transferred' and transfer.kind = 'payout_transfer' and transfer.created_at < ${end}
        left join journal_entries failure on failure.idempotency_key = 'payout:' || p.id || ':failed' and failure.kind = 'payout_failure' and failure.created_at < ${end}
        where claim.created_at >= ${filter.period.start.toISOString()}::timestamptz and claim.created_at < ${end}${org}
        order by claim.created_at, p.id collate "C"`,
    );
  },
});
