import { and, asc, eq, gte, inArray, ne, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { journalEntries, ledgerLines, payouts } from "../../../db/schema";
import { splitProviderBalance, type PayoutPolicy } from "./policy";
import type { ProviderPayoutBalances } from "./types";

/**
 * A provider organization's money by bucket (README "Buckets"): balance, on hold and payable from its
 * provider_earnings ledger lines, in transit and paid out from its payouts. Pass the transaction that claims a
 * payout (createPayout) so the amount claimed is the amount computed.
 */
export async function getProviderPayoutBalances(q: Queryable, input: { organizationId: string; now: Date; policy: Pick<PayoutPolicy, "hold_ms"> }): Promise<ProviderPayoutBalances> {
  const { organizationId } = input;
  const since = new Date(input.now.getTime() - input.policy.hold_ms);
  // The balance needs every line (index on organization_id, account), the hold only the recent ones.
  const [balance] = await q
    .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
    .from(ledgerLines)
    .where(and(eq(ledgerLines.organizationId, organizationId), eq(ledgerLines.account, "provider_earnings")));
  const recent_nanos = await heldNanos(q, { organizationId, since });
  const balance_nanos = BigInt(balance?.total ?? "0");
  const split = splitProviderBalance({ balance_nanos, recent_nanos });

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

/**
 * What is on hold (before the clamp to the balance): the organization's earnings inside the hold window, less
 * the clawbacks that took from them, plus releases (money back from a clawback is held anew). A clawback can
 * only have taken from earnings that existed when it was posted, so it is applied in time order to the
 * in-window earnings settled up to that moment, floored at zero. Summing it with everything in the window
 * instead let a clawback outlive the earnings it took (they left the window first) and cancel the hold of
 * earnings made after it: a provider whose stolen-card earnings were clawed back on day 6 could be paid new
 * ones at once on day 8 (review of issue #10). Clawback and release lines are few; settlements are summed.
 * A payout's own lines (payout, payout_failure, payout_reversal) are never held: money that comes back from
 * Stripe was payable before.
 */
async function heldNanos(q: Queryable, input: { organizationId: string; since: Date }): Promise<bigint> {
  const { organizationId, since } = input;
  const inWindow = (kinds: readonly string[]) =>
    and(eq(ledgerLines.organizationId, organizationId), eq(ledgerLines.account, "provider_earnings"), gte(ledgerLines.createdAt, since), inArray(journalEntries.kind, [...kinds]));
  const [settled] = await q
    .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
    .from(ledgerLines)
    .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
    .where(inWindow(["request_settlement"]));
  const adjustments = await q
    .select({
      amount_nanos: ledgerLines.amountNanos,
      settled_before: sql<string>`(select coalesce(sum(s.amount_nanos), 0) from ledger_lines s join journal_entries sj on sj.id = s.journal_entry_id
        where s.organization_id = ${organizationId} and s.account = 'provider_earnings' and sj.kind = 'request_settlement'
          and s.created_at >= ${since.toISOString()}::timestamptz and s.created_at <= ${ledgerLines.createdAt})::text`,
    })
    .from(ledgerLines)
    .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
    .where(inWindow(["clawback", "clawback_release"]))
    .orderBy(asc(ledgerLines.createdAt), asc(ledgerLines.id));
  let held_nanos = 0n;
  let counted_nanos = 0n;
  for (const a of adjustments) {
    const settled_before = BigInt(a.settled_before);
    held_nanos += settled_before - counted_nanos;
    counted_nanos = settled_before;
    held_nanos += a.amount_nanos;
    if (held_nanos < 0n) held_nanos = 0n;
  }
  return held_nanos + BigInt(settled?.total ?? "0") - counted_nanos;
}
