import { and, eq, gt, gte, isNull, sql } from "drizzle-orm";
import { formatUsd } from "../../lib/money";
import { newId } from "../../lib/ids";
import { requests, reservations, settlementDeadLetters } from "../../db/schema";
import type { Queryable } from "../../db/client";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { getBuyerBalance } from "./balances";
import { pastDueError } from "./invoicing/billing-terms";

/** A hold lapses on its own after this, so a crashed gateway cannot freeze a balance. */
export const RESERVATION_TTL_MS = 10 * 60_000;

function monthStartUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** What a key has spent this calendar month (UTC) plus what its in-flight requests hold. */
async function keyMonthToDateNanos(q: Queryable, apiKeyId: string, now: Date): Promise<bigint> {
  const [spent] = await q
    .select({ total: sql<string>`coalesce(sum(${requests.costNanos}), 0)::text` })
    .from(requests)
    .where(and(eq(requests.apiKeyId, apiKeyId), gte(requests.dispatchedAt, monthStartUtc(now))));
  const [held] = await q
    .select({ total: sql<string>`coalesce(sum(${reservations.amountNanos}), 0)::text` })
    .from(reservations)
    .where(and(eq(reservations.apiKeyId, apiKeyId), gt(reservations.expiresAt, now)));
  // A settlement the ledger refused still counts against the key that made the request (never free).
  const [dead] = await q
    .select({ total: sql<string>`coalesce(sum(${settlementDeadLetters.amountNanos}), 0)::text` })
    .from(settlementDeadLetters)
    .where(and(isNull(settlementDeadLetters.resolvedAt), sql`${settlementDeadLetters.outcome}->>'apiKeyId' = ${apiKeyId}`));
  return BigInt(spent?.total ?? "0") + BigInt(held?.total ?? "0") + BigInt(dead?.total ?? "0");
}

/**
 * Admission (DESIGN §6): holds `amount_nanos` of the buyer's balance (and of the key's monthly
 * spend limit) for one request, or throws 402. Serialized per organization (advisory transaction
 * lock on PostgreSQL; PGlite runs one transaction at a time) so concurrent requests cannot overspend.
 */
export async function reserveFunds(
  ctx: ServiceContext,
  input: { organizationId: string; apiKeyId: string; monthly_spend_limit_nanos: bigint | null; requestId: string; amount_nanos: bigint },
): Promise<{ reservationId: string }> {
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"reserve:" + input.organizationId}))`);
    const { available_nanos, past_due } = await getBuyerBalance(tx, input.organizationId, now);
    if (past_due) throw pastDueError();
    if (available_nanos <= 0n || available_nanos < input.amount_nanos) {
      throw new ServiceError(
        "insufficient_balance",
        `Your balance is exhausted: ${formatUsd(available_nanos < 0n ? 0n : available_nanos, 2)} available, this request may cost up to ${formatUsd(input.amount_nanos, 2)}. Add credit in the dashboard.`,
      );
    }
    if (input.monthly_spend_limit_nanos !== null) {
      const used = await keyMonthToDateNanos(tx, input.apiKeyId, now);
      if (used + input.amount_nanos > input.monthly_spend_limit_nanos) {
        throw new ServiceError(
          "spend_limit_exceeded",
          `This API key's monthly spend limit of ${formatUsd(input.monthly_spend_limit_nanos, 2)} would be exceeded (${formatUsd(used, 2)} spent or held this month). Raise it in the dashboard.`,
          { code: "spend_limit_exceeded" },
        );
      }
    }
    const id = newId("reservation");
    await tx.insert(reservations).values({
      id,
      organizationId: input.organizationId,
      apiKeyId: input.apiKeyId,
      requestId: input.requestId,
      amountNanos: input.amount_nanos,
      createdAt: now,
      expiresAt: new Date(now.getTime() + RESERVATION_TTL_MS),
    });
    return { reservationId: id };
  });
}
