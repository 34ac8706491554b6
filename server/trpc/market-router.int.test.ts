import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { apiKeys, members } from "../../db/schema";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { seedOffer, seedOrganization, seedRequests } from "../../test/market-fixtures";
import { createAuth } from "../auth/auth";
import type { ServiceContext } from "../context";
import { readEnv } from "../env";
import { DEFAULT_TICK_CONFIG, runClearingTick } from "../market/run-clearing-tick";
import { setRuntime, type Runtime } from "../runtime";
import { createTRPCContext } from "./init";
import { createCaller } from "./root";

const MODEL = "router-test:q8_0";
const HW = "nvidia-rtx-4090";

async function signUp(runtime: Runtime, name: string): Promise<Headers> {
  const email = `${name}-${randomBytes(4).toString("hex")}@test.local`;
  const { headers } = await runtime.auth.api.signUpEmail({ body: { email, password: "password123", name }, returnHeaders: true });
  return new Headers({ cookie: headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") });
}
const callerFor = async (headers: Headers) => createCaller(await createTRPCContext({ headers }));
async function expectTRPCError(promise: Promise<unknown>, code: TRPCError["code"]) {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
}

describe.each(DB_KINDS)("market and standing-bid procedures on %s", (kind) => {
  let database: Database;
  let runtime: Runtime;
  let alice: Headers;
  let now = new Date("2026-04-01T09:00:00.000Z");

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const services: ServiceContext = { db: database.db, now: () => now, platform_fee_bps: 1000, test_credit_nanos: 0n };
    const auth = createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl: "http://127.0.0.1:3998", testCreditNanos: 0n });
    runtime = { env: readEnv({ LOG_LEVEL: "silent" }), baseUrl: "http://127.0.0.1:3998", database, auth, services };
    setRuntime(runtime);
    alice = await signUp(runtime, "alice");
  });
  afterAll(async () => {
    setRuntime(undefined);
    await database?.close();
  });

  it("sets, replaces, lists and removes standing bids per model, in the organization only", async () => {
    const caller = await callerFor(alice);
    expect(await caller.standingBids.list()).toEqual([]);
    const first = await caller.standingBids.set({ model_id: MODEL, max_price_usd_per_second: "0.0002" });
    expect(first).toMatchObject({ model_id: MODEL, bid_nanos_per_second: 200_000n });
    now = new Date(now.getTime() + 1_000);
    const replaced = await caller.standingBids.set({ model_id: MODEL, max_price_usd_per_second: " 0.00012 " });
    expect(replaced).toMatchObject({ bid_nanos_per_second: 120_000n, created_at: first.created_at, updated_at: now });
    await caller.standingBids.set({ model_id: "other:f16", max_price_usd_per_second: "0.000000001" });
    expect((await caller.standingBids.list()).map((b) => [b.model_id, b.bid_nanos_per_second])).toEqual([
      ["other:f16", 1n],
      [MODEL, 120_000n],
    ]);
    expect(await caller.standingBids.remove({ model_id: "other:f16" })).toEqual({ removed: true });
    expect(await caller.standingBids.remove({ model_id: "other:f16" })).toEqual({ removed: false });

    await expectTRPCError(caller.standingBids.set({ model_id: MODEL, max_price_usd_per_second: "abc" }), "BAD_REQUEST");
    await expectTRPCError(caller.standingBids.set({ model_id: MODEL, max_price_usd_per_second: "0" }), "BAD_REQUEST");
    await expectTRPCError(caller.standingBids.set({ model_id: MODEL, max_price_usd_per_second: "0.0000000001" }), "BAD_REQUEST");
    await expectTRPCError(caller.standingBids.set({ model_id: "has spaces", max_price_usd_per_second: "1" }), "BAD_REQUEST");
    await expectTRPCError(caller.standingBids.set({ model_id: MODEL, max_price_usd_per_second: "5000" }), "BAD_REQUEST");

    const bob = await signUp(runtime, "bob");
    expect(await (await callerFor(bob)).standingBids.list()).toEqual([]);
    const bobCtx = await createTRPCContext({ headers: bob });
    await database.db.update(members).set({ role: "finance" }).where(eq(members.organizationId, bobCtx.organizationId!));
    await expectTRPCError((await callerFor(bob)).standingBids.list(), "FORBIDDEN");
    await expectTRPCError((await callerFor(new Headers())).standingBids.list(), "UNAUTHORIZED");
  });

  it("answers markets, range-limited history and depth from the clearing ticks and the live book", async () => {
    const caller = await callerFor(alice);
    const ctx = await createTRPCContext({ headers: alice });
    const provider = await seedOrganization(database.db, "provider");
    const fresh = new Date(now.getTime() - 1_000);
    const offer = await seedOffer(database.db, { org: provider, model_id: MODEL, hardware_class: HW, ask_nanos_per_second: 100_000n, slots: 2, heartbeat_at: fresh });
    await seedOffer(database.db, { org: provider, model_id: MODEL, hardware_class: HW, ask_nanos_per_second: 130_000n, slots: 2, heartbeat_at: fresh });
    // Alice (standing bid 120k from the previous test) held 1 slot, a bidless buyer 1 slot, over the last 30 s.
    const [aliceKey] = await database.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.organizationId, ctx.organizationId!));
    const aliceBuyer = { organizationId: ctx.organizationId!, apiKeyId: aliceKey?.id ?? (await caller.buyer.apiKeys.create({ name: "k" })).id };
    const taker = await seedOrganization(database.db, "taker");
    const window = { from: new Date(now.getTime() - 30_000), to: now };
    await seedRequests(database.db, { buyer: aliceBuyer, provider, offer, model_id: MODEL, hardware_class: HW, count: 30, compute_ms: 1_000, ...window });
    await seedRequests(database.db, { buyer: taker, provider, offer, model_id: MODEL, hardware_class: HW, count: 30, compute_ms: 1_000, ...window });

    const depth = await caller.market.depth({ model_id: MODEL, hardware_class: HW });
    expect(depth).toEqual({
      model_id: MODEL,
      hardware_class: HW,
      spot_nanos_per_second: null,
      target_utilization_bps: DEFAULT_TICK_CONFIG.settings.target_utilization_bps,
      supply: [
        { price_nanos_per_second: 100_000n, cumulative_slots: 2 },
        { price_nanos_per_second: 130_000n, cumulative_slots: 4 },
      ],
      demand: [{ price_nanos_per_second: 120_000n, cumulative_millislots: 2_000 }],
      unbid_demand_millislots: 1_000,
      truncated: false,
    });

    const start = now;
    for (let i = 0; i < 3; i++) {
      await runClearingTick(database.db, now, DEFAULT_TICK_CONFIG);
      now = new Date(now.getTime() + 1_000);
    }
    const listed = await caller.market.markets();
    const market = listed.find((m) => m.model_id === MODEL && m.hardware_class === HW)!;
    // 2 slots of demand > 80% of the 100k offer's 2 slots: 130k brings in 4 slots but prices Alice out, so
    // the target is 120,001 (Alice out, 1 slot ≤ 1.6) and the spot climbs there 5% a tick.
    expect(market).toMatchObject({ spot_nanos_per_second: 115_762n, lowest_ask_nanos_per_second: 100_000n, supply_slots: 2, total_supply_slots: 4, stale: false });
    expect((await caller.market.depth({ model_id: MODEL, hardware_class: HW })).spot_nanos_per_second).toBe(115_762n);

    const history = await caller.market.history({ model_id: MODEL, hardware_class: HW, since: start, until: now });
    expect(history.bucket_ms).toBe(1_000);
    expect(history.points.map((p) => p.spot_nanos_per_second)).toEqual([105_000n, 110_250n, 115_762n]);
    expect(history.points[0]!.at).toEqual(start);
    const wide = await caller.market.history({ model_id: MODEL, hardware_class: HW, span_ms: 24 * 3_600_000 });
    expect(wide.bucket_ms).toBe(240_000);
    expect(wide.points).toHaveLength(1);
    expect(wide.points[0]!.max_spot_nanos_per_second).toBe(115_762n);
    await expectTRPCError(caller.market.history({ model_id: MODEL, hardware_class: HW, since: new Date(now.getTime() - 25 * 3_600_000), until: now }), "BAD_REQUEST");
    await expectTRPCError(caller.market.history({ model_id: MODEL, hardware_class: HW, since: now, until: start }), "BAD_REQUEST");

    // No tick for longer than the spot's max age: the market is flagged stale.
    now = new Date(now.getTime() + 60_000);
    expect((await caller.market.markets()).find((m) => m.model_id === MODEL)!.stale).toBe(true);
  });
});
