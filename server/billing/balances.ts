import { and, eq, gt, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { ledgerLines, reservations, type LedgerAccount } from "../../db/schema";

export async function accountBalanceNanos(q: Queryable, account: LedgerAccount, organizationId: string): Promise<bigint> {
  const [row] = await q
    .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
    .from(ledgerLines)
    .where(and(eq(ledgerLines.account, account), eq(ledgerLines.organizationId, organizationId)));
  return BigInt(row?.total ?? "0");
}

export async function heldNanos(q: Queryable, organizationId: string, now: Date): Promise<bigint> {
  const [row] = await q
    .select({ total: sql<string>`coalesce(sum(${reservations.amountNanos}), 0)::text` })
    .from(reservations)
    .where(and(eq(reservations.organizationId, organizationId), gt(reservations.expiresAt, now)));
  return BigInt(row?.total ?? "0");
}

/** A buyer's ledger balance, what in-flight requests hold, and what is left to spend. */
export async function getBuyerBalance(q: Queryable, organizationId: string, now: Date) {
  const [balance_nanos, held_nanos] = await Promise.all([accountBalanceNanos(q, "buyer_balance", organizationId), heldNanos(q, organizationId, now)]);
  return { balance_nanos, held_nanos, available_nanos: balance_nanos - held_nanos };
}
