import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, creditLeases, users } from "../../db/schema";
import { newId } from "../../lib/ids";
import { usdToNanos } from "../../lib/money";
import { createTestDatabase, DB_KINDS } from "../../test/database";
import { createOrganizationForUser } from "../auth/create-organization";
import type { ServiceContext } from "../context";
import { getBuyerBalance } from "./balances";
import { CreditLeases } from "./credit-leases";
import { settleBatch } from "./settle-batch";
import type { RequestOutcome } from "./request-outcome";

describe.each(DB_KINDS)("credit leases on %s", (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 0n };
  });
  afterAll(async () => database?.close());

  const buyer = async (usd: string) => {
    const userId = newId("user");
    await database.db.insert(users).values({ id: userId, name: "b", email: `${userId}@t.local` });
    const { organizationId } = await createOrganizationForUser(database.db, { userId, name: "b", roles: "admin", testCreditNanos: usdToNanos(usd) });
    await database.db.insert(apiKeys).values({ id: `key_${organizationId}`, organizationId, name: "k", keyPrefix: "p", keyHash: organizationId });
    return organizationId;
  };
  const settled = (organizationId: string, cost_usd: string): RequestOutcome => ({
    requestId: newId("request"),
    organizationId,
    apiKeyId: `key_${organizationId}`,
    offerId: "off_x",
    machineId: "mach_x",
    providerOrganizationId: organizationId,
    modelId: "m",
    hardwareClass: "cpu",
    endpoint: "chat.completions",
    stream: false,
    status: "completed",
    errorCode: null,
    price_nanos_per_second: usdToNanos(cost_usd), // for 1000 ms this costs exactly cost_usd
    bid_nanos_per_second: null,
    compute_ms: 1000,
    served_ms: null,
    quote_ms: null,
    billed_ms: 1000,
    ttft_ms: null,
    prompt_tokens: 1,
    completion_tokens: 1,
    dispatchedAt: new Date(),
    completedAt: new Date(),
    hold: "lease",
  });

  it("two gateway instances can never hold more than the balance between them", async () => {
    const org = await buyer("0.05");
    const a = new CreditLeases(ctx, "a");
    const b = new CreditLeases(ctx, "b");
    const each = usdToNanos("0.002");
    const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).hold(org, each)));
    const admitted = results.filter((r) => r.status === "fulfilled").length;
    expect(admitted).toBeGreaterThan(0);
    expect(BigInt(admitted) * each <= usdToNanos("0.05")).toBe(true);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "insufficient_balance" });
    const { held_nanos, balance_nanos } = await getBuyerBalance(database.db, org, new Date());
    expect(held_nanos <= balance_nanos).toBe(true);
  });

  it("moves settled costs from the lease into the ledger, and returns idle leases", async () => {
    const org = await buyer("0.05");
    const a = new CreditLeases(ctx, "a");
    const b = new CreditLeases(ctx, "b");
    const hold = await a.hold(org, usdToNanos("0.03"));
    await expect(b.hold(org, usdToNanos("0.03"))).rejects.toMatchObject({ code: "insufficient_balance" });

    const outcome = settled(org, "0.01");
    a.complete(hold, usdToNanos("0.01"));
    const { leaseCosts } = await settleBatch(ctx, [outcome], a);
    a.settled(leaseCosts);
    const [row] = await database.db.select().from(creditLeases).where(eq(creditLeases.organizationId, org));
    expect(row!.amountNanos).toBe(usdToNanos("0.04"));
    expect((await getBuyerBalance(database.db, org, new Date())).balance_nanos).toBe(usdToNanos("0.04"));

    await a.renew(); // idle: the lease is handed back
    expect((await getBuyerBalance(database.db, org, new Date())).held_nanos).toBe(0n);
    await b.hold(org, usdToNanos("0.03"));
  });

  it("a restarted instance adopts its predecessor's lease instead of leasing twice", async () => {
    const org = await buyer("0.05");
    await new CreditLeases(ctx, "same").hold(org, usdToNanos("0.04"));
    const restarted = new CreditLeases(ctx, "same");
    await restarted.hold(org, usdToNanos("0.045"));
    const { held_nanos } = await getBuyerBalance(database.db, org, new Date());
    expect(held_nanos).toBe(usdToNanos("0.05"));
  });

  it("a renewal racing a settlement never puts settled costs back into the lease", async () => {
    const org = await buyer("1");
    const a = new CreditLeases(ctx, "race-settle");
    const hold = await a.hold(org, usdToNanos("0.9"));
    a.complete(hold, usdToNanos("0.5"));
    await Promise.all([settleBatch(ctx, [settled(org, "0.5")], a).then((r) => a.settled(r.leaseCosts)), a.renew()]);
    const { balance_nanos, held_nanos } = await getBuyerBalance(database.db, org, new Date());
    expect(balance_nanos).toBe(usdToNanos("0.5"));
    expect(held_nanos <= balance_nanos).toBe(true);
    await expect(new CreditLeases(ctx, "other").hold(org, usdToNanos("0.01"))).rejects.toMatchObject({ code: "insufficient_balance" });
  });

  it("handing back an idle lease never leaves a concurrent hold without backing in the database", async () => {
    const org = await buyer("1");
    const a = new CreditLeases(ctx, "race-idle");
    a.complete(await a.hold(org, usdToNanos("0.1")), 0n);
    const [, live] = await Promise.all([a.renew(), a.hold(org, usdToNanos("0.5"))]);
    const { held_nanos } = await getBuyerBalance(database.db, org, new Date());
    expect(held_nanos >= live.amount_nanos).toBe(true);
    // So a second instance cannot take what the first one is using.
    await expect(new CreditLeases(ctx, "other-idle").hold(org, usdToNanos("0.6"))).rejects.toMatchObject({ code: "insufficient_balance" });
  });
});
