import { and, eq, gte, inArray, ne, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { journalEntries, ledgerLines, payouts } from "../../../db/schema";
import { splitProviderBalance, type PayoutPolicy } from "./policy";
import type { ProviderPayoutBalances } from "./types";

/**
 * Journal entry kinds whose provider_earnings lines are held while young (README "Buckets"): what requests
 * earned, and what a clawback took back from (or a release returned to) those on-hold earnings. A payout's own
 * lines (payout, payout_failure, payout_reversal) are not: money that comes back from Stripe was payable before.
 */
export const HELD_ENTRY_KINDS = ["request_settlement", "clawback", "clawback_release"] as const;

/**
 * A provider organization's money by bucket (README "Buckets"): balance, on hold and payable from its
 * provider_earnings ledger lines, in transit and paid out from its payouts. Pass the transaction that claims a
 * payout (createPayout) so the amount claimed is the amount computed.
 */
export async function getProviderPayoutBalances(q: Queryable, input: { organizationId: string; now: Date; policy: Pick<PayoutPolicy, "hold_ms"> }): Promise<ProviderPayoutBalances> {
  const { organizationId } = input;
  const since = new Date(input.now.getTime() - input.policy.hold_ms);
  // Two sums rather than one joined query: the balance needs every line (index on organization_id, account),
  // the hold only the recent ones (the same index's created_at range), so only those are joined to their entries.
  const [balance] = await q
    .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
    .from(ledgerLines)
    .where(and(eq(ledgerLines.organizationId, organizationId), eq(ledgerLines.account, "provider_earnings")));
  const [recent] = await q
    .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
    .from(ledgerLines)
    .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
    .where(and(eq(ledgerLines.organizationId, organizationId), eq(ledgerLines.account, "provider_earnings"), gte(ledgerLines.createdAt, since), inArray(journalEntries.kind, [...HELD_ENTRY_KINDS])));
  const balance_nanos = BigInt(balance?.total ?? "0");
  const split = splitProviderBalance({ balance_nanos, recent_nanos: BigInt(recent?.total ?? "0") });

  // What left the ledger's provider_earnings through payouts, net of reversals (those came back to earnings).
  // A failed payout sent nothing; every other one is in transit until its bank payout is paid.
  const [sent] = await q
    .select({
      in_transit: sql<string>`coalesce(sum(${payouts.amountNanos} - ${payouts.amountReversedNanos}) filter (where ${payouts.bankStatus} is distinct from 'paid'), 0)::text`,
      paid_out: sql<string>`coalesce(sum(${payouts.amountNanos} - ${payouts.amountReversedNanos}) filter (where ${payouts.bankStatus} = 'paid'), 0)::text`,
    })
    .from(payouts)
    .where(and(eq(payouts.organizationId, organizationId), ne(payouts.status, "failed")));
  return { balance_nanos, ...split, in_transit_nanos: BigInt(sent?.in_transit ?? "0"), paid_out_nanos: BigInt(sent?.paid_out ?? "0") };
}
