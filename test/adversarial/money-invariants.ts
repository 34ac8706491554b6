// What must hold once a marketplace is idle, whatever hostile traffic it took: no hold left behind,
// the ledger balanced, no balance below zero, and every error a client saw in OpenAI's shape with
// nothing internal in it.
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { expect } from "vitest";
import { creditLeases, reservations, settlementDeadLetters } from "../../db/schema";
import type { CreditLeases } from "../../server/billing/credit-leases";
import { getBuyerBalance } from "../../server/billing/balances";
import type { TestMarketplace } from "../marketplace";
import { ledgerSumNanos } from "../ledger";

/** The gateway's credit leases (not on the runtime: the settlement queue is their only other holder). */
export function gatewayLeases(mp: TestMarketplace): CreditLeases {
  const leases = (mp.server.runtime.settlements as unknown as { opts: { leases?: CreditLeases } }).opts.leases;
  if (!leases) throw new Error("the settlement queue has no credit leases");
  return leases;
}

/**
 * Settles everything, then asks the leases to hand back idle blocks (what their renewal timer does
 * every 30 s): a hold that was never ended keeps its lease and so shows up as balance still held.
 */
export async function expectIdleMoneyInvariants(mp: TestMarketplace, buyerOrganizationIds: string[]): Promise<void> {
  const db = mp.server.runtime.database.db;
  await mp.settled();
  await gatewayLeases(mp).renew();
  const now = new Date();

  expect(await ledgerSumNanos(db), "sum of every ledger line").toBe(0n);

  const negative = (await db.execute<{ account: string; organization_id: string; balance: string }>(
    sql`select account, organization_id, sum(amount_nanos)::text as balance from ledger_lines where account = 'buyer_balance' group by account, organization_id having sum(amount_nanos) < 0`,
  )) as { rows: { account: string; organization_id: string; balance: string }[] };
  expect(negative.rows, "buyer balances below zero").toEqual([]);

  const openDeadLetters = await db.select({ requestId: settlementDeadLetters.requestId, error: settlementDeadLetters.error }).from(settlementDeadLetters).where(isNull(settlementDeadLetters.resolvedAt));
  expect(openDeadLetters, "settlements the ledger refused").toEqual([]);

  for (const org of buyerOrganizationIds) {
    const live = await db.select().from(reservations).where(and(eq(reservations.organizationId, org), gt(reservations.expiresAt, now)));
    expect(live, `reservations left for ${org}`).toEqual([]);
    const leased = await db.select({ amount: creditLeases.amountNanos }).from(creditLeases).where(and(eq(creditLeases.organizationId, org), gt(creditLeases.expiresAt, now)));
    expect(leased.reduce((s, l) => s + l.amount, 0n), `credit leases still held for ${org}`).toBe(0n);
    const balance = await getBuyerBalance(db, org, now);
    expect(balance.available_nanos, `available = ledger balance for ${org} once idle`).toBe(balance.balance_nanos);
    expect(balance.balance_nanos >= 0n, `balance of ${org} is not negative`).toBe(true);
  }
}

/** Things a client must never read in an error: SQL, stack frames, file paths, hashes, driver names. */
const INTERNAL_DETAIL = [
  /\b(select|insert into|update|delete from)\b[\s\S]*\b(from|set|values|where)\b/i,
  /\bat [\w.<>]+ \(/,
  /\.(ts|js|mjs):\d+/,
  // A hash or secret: long hex with both digits and letters (an echoed "aaaa…" is not one).
  /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{40,}\b/i,
  /\b(postgres|pglite|drizzle|sqlstate|duplicate key|violates|constraint|relation "|syntax error at)\b/i,
  /\b(TypeError|RangeError|ReferenceError|SyntaxError|Maximum call stack)\b/,
  /node_modules/,
];

export function internalDetailIn(text: string): RegExp | null {
  return INTERNAL_DETAIL.find((r) => r.test(text)) ?? null;
}

export type CheckedResponse = { status: number; contentType: string; text: string };

/**
 * Every /v1 and /agent/v1 answer: no 5xx except a deliberate 503 no_provider_available (or a 502 the
 * gateway chose because a provider misbehaved, when `allow502`), and every error OpenAI-shaped JSON
 * without internal details.
 */
export function expectWellFormedAnswer(r: CheckedResponse, label: string, opts: { allow502?: boolean } = {}): void {
  const context = `${label} → ${r.status} ${r.text.slice(0, 300)}`;
  if (r.status < 400) return;
  let json: unknown;
  try {
    json = JSON.parse(r.text);
  } catch {
    expect.fail(`error body is not JSON: ${context}`);
  }
  expect(r.contentType, context).toMatch(/^application\/json/);
  const error = (json as { error?: { message?: unknown; type?: unknown; code?: unknown } }).error;
  expect(error, context).toBeTypeOf("object");
  expect(error!.message, context).toBeTypeOf("string");
  expect(error!.type, context).toBeTypeOf("string");
  expect(internalDetailIn(String(error!.message)), `internal detail in ${context}`).toBeNull();
  if (r.status >= 500) {
    const deliberate = (r.status === 503 && error!.type === "server_error" && error!.code !== "internal_error") || (opts.allow502 === true && r.status === 502);
    expect(deliberate, `unexpected 5xx: ${context}`).toBe(true);
    expect(error!.code, context).not.toBe("internal_error");
  }
}

/**
 * fast-check run options: bounded runs, no shrinking (hostile bodies shrink slowly and the failing
 * body is printed anyway). FC_SEED and FC_PATH replay a reported counterexample.
 */
export function fuzzOptions(numRuns: number): { numRuns: number; endOnFailure: true; seed?: number; path?: string } {
  const replay = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) } : {};
  return { numRuns, endOnFailure: true, ...replay };
}
