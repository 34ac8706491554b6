import { and, asc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Queryable, Tx } from "../../../db/client";
import { journalEntries, ledgerLines, requests } from "../../../db/schema";
import { accountBalanceNanos } from "../balances";
import { postJournalEntry, type JournalLine } from "../post-journal-entry";
import { allocateClawback, type ClawbackShare, type HeldFromBuyer } from "./allocate-clawback";
import type { PayoutPolicy } from "./policy";
import { getProviderPayoutBalances } from "./provider-balances";

/**
 * Clawback (README "Clawback"): a buyer's refund or dispute that lands while the providers' earnings from that
 * buyer's requests are still on hold takes back the part the buyer had already spent, pro rata per provider;
 * earnings already payable or paid are final (the platform absorbs that part and the buyer owes it).
 *
 * Journal keys: `clawback:<source key>` (kind clawback) and `clawback:<source key>:released` (kind
 * clawback_release), the source key being the adjustment's own entry (`refund:<re>`, `dispute:<dp>:withdrawn`).
 */

export type ClawbackResult = { posted: boolean; clawback_nanos: bigint; shares: ClawbackShare[] };

const CLAWBACK_KINDS = ["clawback", "clawback_release"] as const;

export const clawbackKey = (sourceKey: string) => `clawback:${sourceKey}`;
export const clawbackReleaseKey = (sourceKey: string) => `clawback:${sourceKey}:released`;

/**
 * Serializes one buyer's refunds and disputes, first thing in their transaction: the shortfall is the move
 * of the buyer's balance across zero, which two concurrent adjustments (each reading the other's balance
 * uncommitted) would both miss. Taken before any row lock the adjustment takes, so it cannot close a cycle.
 */
export async function lockBuyerForClawback(tx: Tx, buyerOrganizationId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"clawback-buyer:" + buyerOrganizationId}))`);
}

/**
 * Serializes clawbacks against one provider (ascending ids, after the one buyer lock: no cycle). A payout
 * claim needs no lock with a clawback (a claim takes only payable, a clawback only on hold, so together they
 * never exceed the balance), but two buyers' clawbacks can: each capped at the provider's on hold as read
 * before the other committed, they could together take more than was on hold when earnings from several
 * buyers exceed it (a provider that owed, say) and push a payable or negative balance down.
 */
async function lockProvidersForClawback(tx: Tx, organizationIds: string[]): Promise<void> {
  for (const id of [...new Set(organizationIds)].sort()) await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"clawback-provider:" + id}))`);
}

/**
 * What each provider holds from one buyer inside the hold window: its provider_earnings lines of the
 * settlements of that buyer's requests, less its lines of earlier clawbacks against that buyer, plus releases (a
 * clawback entry carries the buyer's buyer_balance line, which is how it is matched). A clawback only took from
 * earnings settled before it, so each is applied in time order to what the provider held from the buyer at that
 * moment, floored at 0: one that outlived the earnings it took (they left the window first) must not cancel the
 * buyer's later earnings, or a buyer disputing a second stolen card after the first would be clawed nothing.
 */
export async function heldFromBuyer(q: Queryable, input: { buyerOrganizationId: string; since: Date }): Promise<HeldFromBuyer[]> {
  const { buyerOrganizationId, since } = input;
  const earnedUpTo = (until?: { organizationId: string; at: Date }) =>
    q
      .select({ organizationId: ledgerLines.organizationId, total: sql<string>`sum(${ledgerLines.amountNanos})::text` })
      .from(requests)
      // settleBatch keys each request's entry `settle:<request id>` (unique-indexed; request_id is not indexed)
      // and writes its lines at the request's completed_at, so both conditions below only narrow the scan.
      .innerJoin(journalEntries, and(eq(journalEntries.idempotencyKey, sql`'settle:' || ${requests.id}`), eq(journalEntries.requestId, requests.id), eq(journalEntries.kind, "request_settlement")))
      .innerJoin(ledgerLines, and(eq(ledgerLines.journalEntryId, journalEntries.id), eq(ledgerLines.account, "provider_earnings")))
      .where(
        and(
          eq(requests.organizationId, buyerOrganizationId),
          gte(requests.completedAt, since),
          gte(ledgerLines.createdAt, since),
          ...(until ? [eq(ledgerLines.organizationId, until.organizationId), lte(ledgerLines.createdAt, until.at)] : []),
        ),
      )
      .groupBy(ledgerLines.organizationId);
  const earned = await earnedUpTo();
  const buyerLine = alias(ledgerLines, "buyer_line");
  const clawed = await q
    .select({ organizationId: ledgerLines.organizationId, amount_nanos: ledgerLines.amountNanos, at: ledgerLines.createdAt })
    .from(buyerLine)
    .innerJoin(journalEntries, and(eq(journalEntries.id, buyerLine.journalEntryId), inArray(journalEntries.kind, [...CLAWBACK_KINDS])))
    .innerJoin(ledgerLines, and(eq(ledgerLines.journalEntryId, journalEntries.id), eq(ledgerLines.account, "provider_earnings")))
    .where(and(eq(buyerLine.organizationId, buyerOrganizationId), eq(buyerLine.account, "buyer_balance"), gte(buyerLine.createdAt, since), gte(ledgerLines.createdAt, since)))
    .orderBy(asc(ledgerLines.createdAt), asc(ledgerLines.id));
  // Per provider: held so far, and how much of its settlements from this buyer that already counts.
  const state = new Map<string, { held_nanos: bigint; counted_nanos: bigint }>();
  for (const c of clawed) {
    if (!c.organizationId) continue;
    const [upTo] = await earnedUpTo({ organizationId: c.organizationId, at: c.at });
    const settled_nanos = BigInt(upTo?.total ?? "0");
    const s = state.get(c.organizationId) ?? { held_nanos: 0n, counted_nanos: 0n };
    s.held_nanos += settled_nanos - s.counted_nanos + c.amount_nanos;
    s.counted_nanos = settled_nanos;
    if (s.held_nanos < 0n) s.held_nanos = 0n;
    state.set(c.organizationId, s);
  }
  const byOrg = new Map<string, bigint>();
  for (const r of earned) {
    if (!r.organizationId) continue;
    const s = state.get(r.organizationId);
    byOrg.set(r.organizationId, s ? s.held_nanos + BigInt(r.total) - s.counted_nanos : BigInt(r.total));
  }
  // A release with no earnings from this buyer left in the window still holds what it gave back.
  for (const [organizationId, s] of state) if (!byOrg.has(organizationId)) byOrg.set(organizationId, s.held_nanos - s.counted_nanos);
  return [...byOrg].filter(([, held_nanos]) => held_nanos > 0n).map(([organizationId, held_nanos]) => ({ organizationId, held_nanos }));
}

/**
 * Takes `shortfall_nanos` (what a refund or dispute pushed the buyer below zero) back from the providers'
 * on-hold earnings from this buyer, pro rata, each capped at what it holds from the buyer and at its current
 * on hold (never what is already payable or paid). Posts one entry `clawback:<sourceKey>`: provider_earnings
 * −c per provider, buyer_balance +Σc (the buyer's debt shrinks by what the providers give back). Nothing
 * held: nothing posted, the platform absorbs the shortfall. Exactly once per source key. The caller holds
 * lockBuyerForClawback.
 */
export async function clawBackHeldEarnings(tx: Tx, input: { buyerOrganizationId: string; sourceKey: string; shortfall_nanos: bigint; now: Date; policy: Pick<PayoutPolicy, "hold_ms"> }): Promise<ClawbackResult> {
  const none: ClawbackResult = { posted: false, clawback_nanos: 0n, shares: [] };
  if (input.shortfall_nanos <= 0n) return none;
  const since = new Date(input.now.getTime() - input.policy.hold_ms);
  const fromBuyer = await heldFromBuyer(tx, { buyerOrganizationId: input.buyerOrganizationId, since });
  if (fromBuyer.length === 0) return none;
  await lockProvidersForClawback(tx, fromBuyer.map((h) => h.organizationId));
  const held: HeldFromBuyer[] = [];
  for (const h of fromBuyer) {
    const { on_hold_nanos } = await getProviderPayoutBalances(tx, { organizationId: h.organizationId, now: input.now, policy: input.policy });
    held.push({ organizationId: h.organizationId, held_nanos: h.held_nanos < on_hold_nanos ? h.held_nanos : on_hold_nanos });
  }
  const shares = allocateClawback(input.shortfall_nanos, held);
  const clawback_nanos = shares.reduce((s, x) => s + x.clawback_nanos, 0n);
  if (clawback_nanos === 0n) return none;
  const lines: JournalLine[] = [
    ...shares.map((s): JournalLine => ({ account: "provider_earnings", organizationId: s.organizationId, amount_nanos: -s.clawback_nanos })),
    { account: "buyer_balance", organizationId: input.buyerOrganizationId, amount_nanos: clawback_nanos },
  ];
  const { posted } = await postJournalEntry(tx, { kind: "clawback", idempotencyKey: clawbackKey(input.sourceKey), memo: `${describeSource(input.sourceKey)} of credit already spent: taken back from providers' earnings still on hold`, at: input.now, lines });
  return posted ? { posted, clawback_nanos, shares } : none;
}

/**
 * Gives a clawback back when its source is undone (a failed or canceled refund, a won dispute): posts
 * `clawback:<sourceKey>:released`, the clawback's lines negated, once. No clawback: nothing.
 */
export async function releaseClawback(tx: Tx, input: { sourceKey: string; now: Date }): Promise<{ posted: boolean; released_nanos: bigint }> {
  const lines = await tx
    .select({ account: ledgerLines.account, organizationId: ledgerLines.organizationId, amount_nanos: ledgerLines.amountNanos })
    .from(ledgerLines)
    .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
    .where(eq(journalEntries.idempotencyKey, clawbackKey(input.sourceKey)));
  if (lines.length === 0) return { posted: false, released_nanos: 0n };
  const { posted } = await postJournalEntry(tx, {
    kind: "clawback_release",
    idempotencyKey: clawbackReleaseKey(input.sourceKey),
    memo: `${describeSource(input.sourceKey)} undone: its clawback of on-hold earnings is returned`,
    at: input.now,
    lines: lines.map((l) => ({ account: l.account, organizationId: l.organizationId, amount_nanos: -l.amount_nanos })),
  });
  const released_nanos = lines.filter((l) => l.account === "buyer_balance").reduce((s, l) => s + l.amount_nanos, 0n);
  return { posted, released_nanos: posted ? released_nanos : 0n };
}

/**
 * The hook refunds and disputes call after posting (apply-refund.ts, apply-dispute.ts), with the buyer's
 * balance read under lockBuyerForClawback before anything was posted. `taken_nanos`: the adjustment's
 * taking entry (`sourceKey`) was posted in this call, for this amount; `restored`: its giving-back entry was.
 * Restored → release the clawback (none exists when both were posted in this call: the payment never stood
 * taken, so nothing is clawed). Taken only → claw back the shortfall, max(0, −after) − max(0, −before), with
 * after = before − taken: from the one read, so a settlement committing meanwhile is not mistaken for it.
 */
export async function clawBackAfterAdjustment(
  tx: Tx,
  input: { buyerOrganizationId: string; sourceKey: string; buyer_before_nanos: bigint; taken_nanos: bigint | null; restored: boolean; now: Date; policy: Pick<PayoutPolicy, "hold_ms"> },
): Promise<void> {
  if (input.restored) {
    await releaseClawback(tx, { sourceKey: input.sourceKey, now: input.now });
    return;
  }
  if (input.taken_nanos === null) return;
  const owed = (balance_nanos: bigint) => (balance_nanos < 0n ? -balance_nanos : 0n);
  const shortfall_nanos = owed(input.buyer_before_nanos - input.taken_nanos) - owed(input.buyer_before_nanos);
  await clawBackHeldEarnings(tx, { buyerOrganizationId: input.buyerOrganizationId, sourceKey: input.sourceKey, shortfall_nanos, now: input.now, policy: input.policy });
}

/** Takes the lock and reads the buyer's balance before an adjustment posts (see clawBackAfterAdjustment). */
export async function buyerBalanceBeforeAdjustment(tx: Tx, buyerOrganizationId: string): Promise<bigint> {
  await lockBuyerForClawback(tx, buyerOrganizationId);
  return accountBalanceNanos(tx, "buyer_balance", buyerOrganizationId);
}

/** The memo's subject, read by the buyer (Billing page) and the providers (statement): `refund:re_1` → "Refund re_1". */
function describeSource(sourceKey: string): string {
  const [what, id] = sourceKey.split(":");
  return what && id ? `${what.charAt(0).toUpperCase()}${what.slice(1)} ${id}` : sourceKey;
}
