import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { accountingPeriods, ledgerLines, periodClosingBalances } from "../../../db/schema";
import type { Period } from "../period";

/** One (account, organization) balance; organization null = the platform's own accounts. */
export type AccountBalance = { account: string; organization_id: string | null; amount_nanos: bigint };

const keyOf = (b: Pick<AccountBalance, "account" | "organization_id">) => `${b.account}\u0000${b.organization_id ?? ""}`;

function toMap(balances: AccountBalance[]): Map<string, AccountBalance> {
  const m = new Map<string, AccountBalance>();
  for (const b of balances) {
    const k = keyOf(b);
    const prev = m.get(k);
    m.set(k, { ...b, amount_nanos: (prev?.amount_nanos ?? 0n) + b.amount_nanos });
  }
  return m;
}

/**
 * What is wrong with freezing `closing` (empty = nothing): every (account, organization) closing must equal the
 * opening plus the period's movements, and the whole ledger must sum to zero. A close refuses to freeze a
 * balance that does not roll forward, since a frozen balance can never be corrected.
 */
export function rollForwardProblems(opening: AccountBalance[], movements: AccountBalance[], closing: AccountBalance[]): string[] {
  const [o, m, c] = [toMap(opening), toMap(movements), toMap(closing)];
  const problems: string[] = [];
  for (const k of new Set([...o.keys(), ...m.keys(), ...c.keys()])) {
    const expected = (o.get(k)?.amount_nanos ?? 0n) + (m.get(k)?.amount_nanos ?? 0n);
    const actual = c.get(k)?.amount_nanos ?? 0n;
    if (expected !== actual) {
      const b = (o.get(k) ?? m.get(k) ?? c.get(k))!;
      problems.push(`${b.account}/${b.organization_id ?? "platform"}: opening + movements = ${expected}, closing = ${actual}`);
    }
  }
  const total = closing.reduce((s, b) => s + b.amount_nanos, 0n);
  if (total !== 0n) problems.push(`the ledger sums to ${total} nanos, not 0`);
  return problems;
}

/** Σ per account over every organization, as decimal strings (jsonb cannot hold bigint). */
export function totalsByAccount(balances: AccountBalance[]): Record<string, string> {
  const totals = new Map<string, bigint>();
  for (const b of balances) totals.set(b.account, (totals.get(b.account) ?? 0n) + b.amount_nanos);
  return Object.fromEntries([...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([account, n]) => [account, n.toString()]));
}

const balanceColumns = {
  account: ledgerLines.account,
  organization_id: ledgerLines.organizationId,
  amount: sql<string>`sum(${ledgerLines.amountNanos})::text`,
};

function fromRows(rows: { account: string; organization_id: string | null; amount: string }[]): AccountBalance[] {
  return rows.map((r) => ({ account: r.account, organization_id: r.organization_id, amount_nanos: BigInt(r.amount) }));
}

/** Every (account, organization) balance of the ledger's lines dated before `end`. */
export async function ledgerBalancesBefore(q: Queryable, end: Date): Promise<AccountBalance[]> {
  const rows = await q.select(balanceColumns).from(ledgerLines).where(lt(ledgerLines.createdAt, end)).groupBy(ledgerLines.account, ledgerLines.organizationId);
  return fromRows(rows);
}

/** The period's movements per (account, organization). */
export async function ledgerMovements(q: Queryable, period: Period): Promise<AccountBalance[]> {
  const rows = await q
    .select(balanceColumns)
    .from(ledgerLines)
    .where(and(gte(ledgerLines.createdAt, period.start), lt(ledgerLines.createdAt, period.end)))
    .groupBy(ledgerLines.account, ledgerLines.organizationId);
  return fromRows(rows);
}

/** The balances frozen by the close of the period ending at `end`, or null when no closed period ends there. */
export async function frozenBalancesAt(q: Queryable, end: Date): Promise<AccountBalance[] | null> {
  const [closed] = await q.select({ start: accountingPeriods.periodStart }).from(accountingPeriods).where(eq(accountingPeriods.periodEnd, end));
  if (!closed) return null;
  const rows = await q
    .select({ account: periodClosingBalances.account, organization_id: periodClosingBalances.organizationId, amount_nanos: periodClosingBalances.amountNanos })
    .from(periodClosingBalances)
    .where(eq(periodClosingBalances.periodStart, closed.start));
  return rows;
}
