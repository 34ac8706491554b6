import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { reservations, settlementDeadLetters } from "../../db/schema";
import type { ServiceContext } from "../context";
import type { CreditLeases } from "./credit-leases";
import { outcomeFromJson, outcomeToJson } from "./outcome-codec";
import { priceOutcome, type RequestOutcome } from "./request-outcome";
import { settleBatch } from "./settle-batch";

/**
 * Settlements the ledger refused. A dead letter is never "free": from the moment it is recorded its cost
 * is held against the buyer's balance (balances.ts counts open letters as held), in place of the lease or
 * reservation that held it before. An operator replays open letters once the cause is fixed; a replay
 * settles through the same idempotent path as the queue, so a letter settled twice is counted once.
 */
export async function recordDeadLetter(
  ctx: ServiceContext,
  input: { outcome: RequestOutcome; instanceId: string; error: string },
  leases?: Pick<CreditLeases, "consumeInTx">,
): Promise<{ leaseCosts: Map<string, bigint> }> {
  const { outcome } = input;
  const { cost_nanos } = priceOutcome(outcome, ctx.platform_fee_bps);
  const leaseCosts = new Map<string, bigint>();
  if (outcome.hold === "lease" && cost_nanos > 0n) leaseCosts.set(outcome.organizationId, cost_nanos);
  await ctx.db.transaction(async (tx) => {
    await tx
      .insert(settlementDeadLetters)
      .values({
        requestId: outcome.requestId,
        organizationId: outcome.organizationId,
        instanceId: input.instanceId,
        amountNanos: cost_nanos,
        outcome: outcomeToJson(outcome),
        error: input.error.slice(0, 2000),
        createdAt: ctx.now(),
      })
      .onConflictDoUpdate({
        target: settlementDeadLetters.requestId,
        set: { error: input.error.slice(0, 2000), attempts: sql`${settlementDeadLetters.attempts} + 1` },
      });
    // The letter now holds the cost: the request's reservation or this instance's lease stops holding it.
    await tx.delete(reservations).where(eq(reservations.requestId, outcome.requestId));
    if (leases) await leases.consumeInTx(tx, leaseCosts);
  });
  return { leaseCosts };
}

export type DeadLetter = {
  request_id: string;
  organization_id: string;
  instance_id: string;
  amount_nanos: bigint;
  error: string;
  attempts: number;
  created_at: Date;
};

const columns = {
  request_id: settlementDeadLetters.requestId,
  organization_id: settlementDeadLetters.organizationId,
  instance_id: settlementDeadLetters.instanceId,
  amount_nanos: settlementDeadLetters.amountNanos,
  error: settlementDeadLetters.error,
  attempts: settlementDeadLetters.attempts,
  created_at: settlementDeadLetters.createdAt,
};

/** Open (unreplayed) letters, oldest first; optionally one organization's. */
export async function listDeadLetters(ctx: ServiceContext, input: { organizationId?: string; limit?: number } = {}): Promise<DeadLetter[]> {
  const open = isNull(settlementDeadLetters.resolvedAt);
  return ctx.db
    .select(columns)
    .from(settlementDeadLetters)
    .where(input.organizationId ? and(open, eq(settlementDeadLetters.organizationId, input.organizationId)) : open)
    .orderBy(asc(settlementDeadLetters.createdAt))
    .limit(input.limit ?? 500);
}

export async function countOpenDeadLetters(ctx: Pick<ServiceContext, "db">): Promise<{ count: number; amount_nanos: bigint }> {
  const [row] = await ctx.db
    .select({ count: sql<number>`count(*)::int`, amount: sql<string>`coalesce(sum(${settlementDeadLetters.amountNanos}), 0)::text` })
    .from(settlementDeadLetters)
    .where(isNull(settlementDeadLetters.resolvedAt));
  return { count: row?.count ?? 0, amount_nanos: BigInt(row?.amount ?? "0") };
}

export type ReplayResult = { settled: string[]; failed: { request_id: string; error: string }[] };

/**
 * Settles open letters (all, or the given request ids). Each settles alone, without touching any lease
 * (its cost left the lease when it was recorded), then is marked resolved. A crash between the two leaves
 * the letter open with its request already in the ledger: the next replay finds it settled and resolves it.
 */
export async function replayDeadLetters(ctx: ServiceContext, input: { requestIds?: string[] } = {}): Promise<ReplayResult> {
  const rows = await ctx.db
    .select({ request_id: settlementDeadLetters.requestId, outcome: settlementDeadLetters.outcome })
    .from(settlementDeadLetters)
    .where(isNull(settlementDeadLetters.resolvedAt))
    .orderBy(asc(settlementDeadLetters.createdAt));
  const wanted = input.requestIds ? new Set(input.requestIds) : null;
  const result: ReplayResult = { settled: [], failed: [] };
  for (const row of rows) {
    if (wanted && !wanted.has(row.request_id)) continue;
    try {
      // Held by the letter, not a lease: settle it like a reservation (whose row is already gone).
      const outcome = { ...outcomeFromJson(row.outcome as Record<string, unknown>), hold: "reservation" as const };
      await settleBatch(ctx, [outcome]);
      await ctx.db.update(settlementDeadLetters).set({ resolvedAt: ctx.now() }).where(eq(settlementDeadLetters.requestId, row.request_id));
      result.settled.push(row.request_id);
    } catch (err) {
      const error = (err as Error).message.slice(0, 2000);
      await ctx.db
        .update(settlementDeadLetters)
        .set({ error, attempts: sql`${settlementDeadLetters.attempts} + 1` })
        .where(eq(settlementDeadLetters.requestId, row.request_id));
      result.failed.push({ request_id: row.request_id, error });
    }
  }
  return result;
}
