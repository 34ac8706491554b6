import { and, asc, eq, gte, lt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, journalEntries, ledgerLines, meterOutbox, organizationBilling, users } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { usdToNanos } from "../../../lib/money";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { createOrganizationForUser } from "../../auth/create-organization";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { getBuyerBalance } from "../balances";
import { CreditLeases } from "../credit-leases";
import type { RequestOutcome } from "../request-outcome";
import { reserveFunds } from "../reserve-funds";
import { settleBatch } from "../settle-batch";
import { PAST_DUE_MESSAGE } from "./billing-terms";
import { HOUR_MS, meterIdentifier } from "./meter-outbox";
import { closeDueMeterRows } from "./push-meter-outbox";

describe.each(DB_KINDS)("meter outbox written by settlement on %s", (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;
  let provider: string;
  // A fixed past day, so hours are whole and "closed" is a matter of the injected clock.
  const day = Date.UTC(2026, 10, 3);
  const at = (hour: number, minute = 0, second = 0) => new Date(day + hour * HOUR_MS + minute * 60_000 + second * 1000);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 0n };
    provider = (await org("0", "prepaid")).organizationId;
  });
  afterAll(async () => database?.close());

  async function org(credit_usd: string, mode: "prepaid" | "invoiced", credit_limit_usd = "0") {
    const userId = newId("user");
    await database.db.insert(users).values({ id: userId, name: "b", email: `${userId}@t.local` });
    const { organizationId } = await createOrganizationForUser(database.db, { userId, name: "b", roles: "admin", testCreditNanos: usdToNanos(credit_usd) });
    const apiKeyId = newId("apiKey");
    await database.db.insert(apiKeys).values({ id: apiKeyId, organizationId, name: "k", keyPrefix: "p", keyHash: apiKeyId });
    if (mode === "invoiced") await database.db.insert(organizationBilling).values({ organizationId, mode, creditLimitNanos: usdToNanos(credit_limit_usd) });
    return { organizationId, apiKeyId };
  }

  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const outcome = (buyer: { organizationId: string; apiKeyId: string }, completedAt: Date): RequestOutcome => {
    const ms = 1 + rand(5000);
    return {
      requestId: newId("request"),
      organizationId: buyer.organizationId,
      apiKeyId: buyer.apiKeyId,
      offerId: "off_x",
      machineId: "mach_x",
      providerOrganizationId: provider,
      modelId: "m",
      hardwareClass: "cpu",
      endpoint: "chat.completions",
      stream: false,
      status: rand(10) === 0 ? "failed" : "completed",
      errorCode: null,
      // Odd prices and times: half-up rounding per request must still sum exactly.
      price_nanos_per_second: BigInt(1 + rand(3_000_000)),
      bid_nanos_per_second: null,
      compute_ms: ms,
      served_ms: null,
      quote_ms: null,
      billed_ms: ms,
      ttft_ms: 5,
      prompt_tokens: 1,
      completion_tokens: 1,
      dispatchedAt: new Date(completedAt.getTime() - ms),
      completedAt,
      hold: "lease",
    };
  };

  /** −(buyer_balance settlement lines) of an organization in [from, to): what the meter must equal. */
  async function ledgerCost(organizationId: string, from: Date, to: Date): Promise<bigint> {
    const [row] = await database.db
      .select({ total: sql<string>`coalesce(-sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(and(eq(ledgerLines.account, "buyer_balance"), eq(ledgerLines.organizationId, organizationId), eq(journalEntries.kind, "request_settlement"), gte(ledgerLines.createdAt, from), lt(ledgerLines.createdAt, to)));
    return BigInt(row!.total);
  }
  const rows = (organizationId: string) => database.db.select().from(meterOutbox).where(eq(meterOutbox.organizationId, organizationId)).orderBy(asc(meterOutbox.hourStart), asc(meterOutbox.seq));

  it("adds an invoiced organization's settled cost to its open row per UTC hour, exactly; prepaid usage is not metered", async () => {
    const invoiced = await org("0", "invoiced", "100");
    const prepaid = await org("100", "prepaid");
    const batch: RequestOutcome[] = [];
    for (let i = 0; i < 60; i++) batch.push(outcome(invoiced, at(10, rand(60), rand(60))));
    for (let i = 0; i < 40; i++) batch.push(outcome(invoiced, at(11, rand(60), rand(60))));
    batch.push(outcome(invoiced, at(11, 59, 59)), outcome(invoiced, at(12, 0, 0)));
    for (let i = 0; i < 30; i++) batch.push(outcome(prepaid, at(10, rand(60))));
    await settleBatch(ctx, batch.slice(0, 70));
    await settleBatch(ctx, batch.slice(70));
    // A batch settled twice (a replayed log) changes nothing.
    await settleBatch(ctx, batch.slice(20, 90));

    expect(await rows(prepaid.organizationId)).toEqual([]);
    const meter = await rows(invoiced.organizationId);
    expect(meter.map((r) => [r.hourStart.toISOString(), r.seq, r.status, r.identifier])).toEqual(
      [10, 11, 12].map((h) => [at(h).toISOString(), 0, "open", meterIdentifier(invoiced.organizationId, at(h), 0)]),
    );
    for (const r of meter) expect(r.valueNanos, `hour ${r.hourStart.toISOString()}`).toBe(await ledgerCost(invoiced.organizationId, r.hourStart, new Date(r.hourStart.getTime() + HOUR_MS)));
    expect(meter.reduce((s, r) => s + r.valueNanos, 0n)).toBeGreaterThan(0n);
  });

  it("late usage into a closed hour opens the next seq; a closed row's value never changes", async () => {
    const invoiced = await org("0", "invoiced", "100");
    await settleBatch(ctx, [outcome(invoiced, at(10, 5)), outcome(invoiced, at(10, 6))]);
    // The pusher closes hour 10 once it (plus the grace) is over.
    expect(await closeDueMeterRows(database.db, at(11, 0, 30))).toBe(0);
    expect(await closeDueMeterRows(database.db, at(11, 1, 1))).toBeGreaterThanOrEqual(1);
    const [closed] = await rows(invoiced.organizationId);
    expect(closed!.status).toBe("sending");

    await settleBatch(ctx, [outcome(invoiced, at(10, 59, 59)), outcome(invoiced, at(10, 30))]);
    await settleBatch(ctx, [outcome(invoiced, at(10, 31))]);
    let meter = await rows(invoiced.organizationId);
    expect(meter.map((r) => [r.seq, r.status])).toEqual([[0, "sending"], [1, "open"]]);
    expect(meter[0]!.valueNanos).toBe(closed!.valueNanos);
    expect(meter[1]!.identifier).toBe(meterIdentifier(invoiced.organizationId, at(10), 1));

    await closeDueMeterRows(database.db, at(11, 2));
    await settleBatch(ctx, [outcome(invoiced, at(10, 45))]);
    meter = await rows(invoiced.organizationId);
    expect(meter.map((r) => [r.seq, r.status])).toEqual([[0, "sending"], [1, "sending"], [2, "open"]]);
    expect(meter.reduce((s, r) => s + r.valueNanos, 0n)).toBe(await ledgerCost(invoiced.organizationId, at(10), at(11)));
  });

  it("admission draws on the credit limit below zero, never past it, and refuses a past-due organization", async () => {
    const invoiced = await org("0", "invoiced", "1");
    const now = new Date();
    const reserve = (usd: string) => reserveFunds(ctx, { organizationId: invoiced.organizationId, apiKeyId: invoiced.apiKeyId, monthly_spend_limit_nanos: null, requestId: newId("request"), amount_nanos: usdToNanos(usd) });
    await reserve("0.60");
    await expect(reserve("0.60")).rejects.toMatchObject({ code: "insufficient_balance" });
    const leases = new CreditLeases(ctx, "outbox-test");
    const hold = await leases.hold(invoiced.organizationId, usdToNanos("0.30"));
    const balance = await getBuyerBalance(database.db, invoiced.organizationId, now);
    expect(balance).toMatchObject({ balance_nanos: 0n, credit_limit_nanos: usdToNanos("1"), past_due: false });
    expect(balance.available_nanos).toBeGreaterThanOrEqual(0n);
    expect(balance.held_nanos).toBeLessThanOrEqual(usdToNanos("1"));
    await expect(leases.hold(invoiced.organizationId, usdToNanos("0.30"))).rejects.toMatchObject({ code: "insufficient_balance" });

    await database.db.update(organizationBilling).set({ standing: "past_due", standingReason: "test" }).where(eq(organizationBilling.organizationId, invoiced.organizationId));
    const pastDue = await reserve("0.01").catch((e: unknown) => e);
    expect(pastDue).toBeInstanceOf(ServiceError);
    expect(pastDue).toMatchObject({ code: "insufficient_balance", message: PAST_DUE_MESSAGE });
    // A busy lease is not renewed for a past-due organization, so even a hold its lease covers is refused next.
    await leases.renew();
    await expect(leases.hold(invoiced.organizationId, 1n)).rejects.toMatchObject({ message: PAST_DUE_MESSAGE });
    leases.complete(hold, 0n);

    // Back to prepaid: the credit limit no longer counts, whatever is stored.
    await database.db.update(organizationBilling).set({ mode: "prepaid", standing: "good" }).where(eq(organizationBilling.organizationId, invoiced.organizationId));
    expect((await getBuyerBalance(database.db, invoiced.organizationId, new Date())).credit_limit_nanos).toBe(0n);
    await expect(reserve("0.01")).rejects.toMatchObject({ code: "insufficient_balance" });
    await leases.stop();
  });
});
