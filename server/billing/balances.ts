import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { creditLeases, ledgerLines, reservations, settlementDeadLetters, type LedgerAccount } from "../../db/schema";
import { creditLimitInForce, getBillingTerms } from "./invoicing/billing-terms";

export async function accountBalanceNanos(q: Queryable, account: LedgerAccount, organizationId: string): Promise<bigint> {
  const [row] = await q
    .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
    .from(ledgerLines)
    .where(and(eq(ledgerLines.account, account), eq(ledgerLines.organizationId, organizationId)));
  return BigInt(row?.total ?? "0");
}

/**
 * What is held against the balance: in-flight requests' reservations, gateways' credit leases (unexpired),
 * and the costs of settlements the ledger refused (open dead letters), which stay held until replayed.
 */
export async function heldNanos(q: Queryable, organizationId: string, now: Date): Promise<bigint> {
  const [reserved] = await q
    .select({ total: sql<string>`coalesce(sum(${reservations.amountNanos}), 0)::text` })
    .from(reservations)
    .where(and(eq(reservations.organizationId, organizationId), gt(reservations.expiresAt, now)));
  const [leased] = await q
    .select({ total: sql<string>`coalesce(sum(${creditLeases.amountNanos}), 0)::text` })
    .from(creditLeases)
    .where(and(eq(creditLeases.organizationId, organizationId), gt(creditLeases.expiresAt, now)));
  const [dead] = await q
    .select({ total: sql<string>`coalesce(sum(${settlementDeadLetters.amountNanos}), 0)::text` })
    .from(settlementDeadLetters)
    .where(and(eq(settlementDeadLetters.organizationId, organizationId), isNull(settlementDeadLetters.resolvedAt)));
  return BigInt(reserved?.total ?? "0") + BigInt(leased?.total ?? "0") + BigInt(dead?.total ?? "0");
}

/**
 * A buyer's ledger balance, what in-flight requests hold, and what is left to spend. An invoiced organization
 * may also spend its credit limit (its balance goes below zero until its Stripe invoice is paid); `past_due`
 * means admission refuses it whatever is available (invoicing/billing-terms.ts).
 */
export async function getBuyerBalance(q: Queryable, organizationId: string, now: Date) {
  const balance_nanos = await accountBalanceNanos(q, "buyer_balance", organizationId);
  const held_nanos = await heldNanos(q, organizationId, now);
  const terms = await getBillingTerms(q, organizationId);
  const credit_limit_nanos = creditLimitInForce(terms);
  return { balance_nanos, held_nanos, credit_limit_nanos, past_due: terms.standing === "past_due", available_nanos: balance_nanos + credit_limit_nanos - held_nanos };
}
