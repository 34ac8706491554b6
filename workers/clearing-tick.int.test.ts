import type { ServerResponse } from "node:http";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../db/client";
import { markets, marketTicks, standingBids } from "../db/schema";
import { acquireLease, currentLeaseHolder, releaseLease, renewLease } from "../server/leader-lease";
import type { GatewayDeps } from "../server/gateway/deps";
import { listModels } from "../server/gateway/list-models";
import { OfferBook } from "../server/gateway/offer-book";
import { pruneTicks } from "../server/market/record-clearing";
import { DEFAULT_TICK_CONFIG, runClearingTick } from "../server/market/run-clearing-tick";
import { SpotPriceCache } from "../server/market/spot-price-cache";
import { getSpotPrices } from "../server/market/spot-prices";
import { DB_KINDS, createTestDatabase } from "../test/database";
import { seedOffer, seedOrganization, seedRequests } from "../test/market-fixtures";
import { CLEARING_LEASE_NAME, startClearingTicker, type ClearingTicker } from "./clearing-tick";

const MODEL = "market-test:q4_k_m";
const H100 = "nvidia-h100";
const CPU = "cpu";

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeout_ms = 10_000): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeout_ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

describe.each(DB_KINDS)("clearing tick on %s", (kind) => {
  let database: Database & { url?: string };
  const db = () => database.db;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.close());

  it("clears each market from live verified offers, standing bids × recent usage and the last spot, and records every tick", async () => {
    const t0 = new Date("2026-03-01T12:00:00.000Z");
    const provider = await seedOrganization(db(), "provider");
    const fresh = new Date(t0.getTime() - 1_000);
    const a = await seedOffer(db(), { org: provider, model_id: MODEL, hardware_class: H100, ask_nanos_per_second: 100_000n, slots: 4, heartbeat_at: fresh });
    await seedOffer(db(), { org: provider, model_id: MODEL, hardware_class: H100, ask_nanos_per_second: 150_000n, slots: 4, heartbeat_at: fresh });
    // Not supply: unverified, suspended, stale heartbeat, draining.
    await seedOffer(db(), { org: provider, model_id: MODEL, hardware_class: H100, ask_nanos_per_second: 1_000n, slots: 8, heartbeat_at: fresh, verification_status: "unverified" });
    await seedOffer(db(), { org: provider, model_id: MODEL, hardware_class: H100, ask_nanos_per_second: 1_000n, slots: 8, heartbeat_at: fresh, verification_status: "suspended" });
    await seedOffer(db(), { org: provider, model_id: MODEL, hardware_class: H100, ask_nanos_per_second: 1_000n, slots: 8, heartbeat_at: new Date(t0.getTime() - 60_000) });
    await seedOffer(db(), { org: provider, model_id: MODEL, hardware_class: H100, ask_nanos_per_second: 1_000n, slots: 8, heartbeat_at: fresh, machine_status: "draining" });
    await seedOffer(db(), { org: provider, model_id: MODEL, hardware_class: CPU, ask_nanos_per_second: 20_000n, slots: 2, heartbeat_at: fresh });

    // Buyer B (no bid) held 3 slots over the last 30 s; buyer A (bid 120k) held 1 slot; old usage is ignored.
    const bidder = await seedOrganization(db(), "bidder");
    const taker = await seedOrganization(db(), "taker");
    await db().insert(standingBids).values({ organizationId: bidder.organizationId, modelId: MODEL, bidNanosPerSecond: 120_000n });
    const window = { from: new Date(t0.getTime() - 30_000), to: t0 };
    await seedRequests(db(), { buyer: taker, provider, offer: a, model_id: MODEL, hardware_class: H100, count: 45, compute_ms: 2_000, ...window });
    await seedRequests(db(), { buyer: bidder, provider, offer: a, model_id: MODEL, hardware_class: H100, count: 30, compute_ms: 1_000, ...window });
    await seedRequests(db(), { buyer: taker, provider, offer: a, model_id: MODEL, hardware_class: H100, count: 100, compute_ms: 5_000, from: new Date(t0.getTime() - 90_000), to: new Date(t0.getTime() - 31_000) });

    // 4 slots of demand exceed 80% of the 100k offer's 4 slots; pricing the bidder out (120,001) leaves 3, which fit.
    const spots: (bigint | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const at = new Date(t0.getTime() + i * 1_000);
      const outcome = await runClearingTick(db(), at, DEFAULT_TICK_CONFIG);
      expect(outcome.recorded).toBe(true);
      spots.push(outcome.cleared.find((c) => c.hardware_class === H100)!.result.spot_nanos_per_second);
    }
    // Demand is re-measured each tick over the sliding window, so keep the expectations to what holds throughout.
    expect(spots[0]).toBe(105_000n);
    expect(spots[1]).toBe(110_250n);

    const h100 = await db().select().from(markets).where(and(eq(markets.modelId, MODEL), eq(markets.hardwareClass, H100)));
    expect(h100[0]).toMatchObject({ lowestAskNanosPerSecond: 100_000n, totalSupplySlots: 8, shortage: false, at: new Date(t0.getTime() + 4_000) });
    const cpu = await db().select().from(markets).where(and(eq(markets.modelId, MODEL), eq(markets.hardwareClass, CPU)));
    expect(cpu[0]).toMatchObject({ spotNanosPerSecond: 20_000n, supplySlots: 2, demandMillislots: 0, utilization: 0 });
    const history = await db().select().from(marketTicks).where(and(eq(marketTicks.modelId, MODEL), eq(marketTicks.hardwareClass, H100))).orderBy(asc(marketTicks.at));
    expect(history.map((h) => h.spotNanosPerSecond)).toEqual(spots);
    expect(history[0]).toMatchObject({ supplySlots: 4, demandMillislots: 4_000, totalDemandMillislots: 4_000, utilization: 1 });

    // The spot map the gateway reads: fresh ticks only.
    const at = new Date(t0.getTime() + 4_000);
    expect(await getSpotPrices(db(), at)).toEqual(new Map([[`${MODEL}@${H100}`, spots[4]!], [`${MODEL}@${CPU}`, 20_000n]]));
    expect((await getSpotPrices(db(), new Date(at.getTime() + 60_000))).size).toBe(0);

    const cache = new SpotPriceCache({ db: db(), now_ms: () => at.getTime(), refresh_ms: 10 });
    expect(cache.get(MODEL, H100)).toBeNull();
    await cache.start();
    expect(cache.get(MODEL, H100)).toBe(spots[4]);
    expect(cache.get(MODEL, "amd-mi300x")).toBeNull();

    // /v1/models shows the clearing spot instead of the lowest ask.
    let body = "";
    const res = { writeHead: () => res, end: (chunk: string) => void (body = chunk) } as unknown as ServerResponse;
    const deps = { services: { db: db(), now: () => at }, offerBook: new OfferBook(db(), () => Date.now()), spotPrice: (m: string, h: string) => cache.get(m, h) };
    await listModels(deps as unknown as GatewayDeps, res);
    await cache.stop();
    const listed = JSON.parse(body) as { data: { id: string; spotlane: { markets: { hardware_class: string; spot_price_nanos_per_second: string }[] } }[] };
    const model = listed.data.find((m) => m.id === MODEL)!;
    expect(model.spotlane.markets.find((m) => m.hardware_class === H100)!.spot_price_nanos_per_second).toBe(String(spots[4]));
  });

  it("a 1-slot offer at 1 nano does not take a cpu market of honest offers at 50,000 (issue #8); a spot the old rule left at 134 recovers in 20 ticks", async () => {
    const model = "tiny-offer-test:q4_k_m";
    const t0 = new Date("2026-03-02T12:00:00.000Z");
    const provider = await seedOrganization(db(), "honest");
    const attacker = await seedOrganization(db(), "tiny");
    const fresh = new Date(t0.getTime() - 1_000);
    for (let i = 0; i < 10; i++) await seedOffer(db(), { org: provider, model_id: model, hardware_class: CPU, ask_nanos_per_second: 50_000n, slots: 4, heartbeat_at: fresh });
    await seedOffer(db(), { org: attacker, model_id: model, hardware_class: CPU, ask_nanos_per_second: 1n, slots: 1, heartbeat_at: fresh });
    // The price the old rule had reached when the finding was made.
    await db().insert(markets).values({ modelId: model, hardwareClass: CPU, spotNanosPerSecond: 134n, lowestAskNanosPerSecond: 1n, supplySlots: 1, totalSupplySlots: 41, demandMillislots: 0, totalDemandMillislots: 0, utilization: 0, shortage: false, at: fresh });

    const spots: (bigint | null)[] = [];
    for (let i = 0; i < 22; i++) {
      const outcome = await runClearingTick(db(), t0, DEFAULT_TICK_CONFIG);
      spots.push(outcome.cleared.find((c) => c.model_id === model)!.result.spot_nanos_per_second);
    }
    // 5% of the 50,000 reference a tick: 134 + 19 × 2,500 = 47,634, then the honest level, where it stays.
    expect(spots.slice(0, 2)).toEqual([2_634n, 5_134n]);
    expect(spots.slice(18)).toEqual([47_634n, 50_000n, 50_000n, 50_000n]);
    const row = await db().select().from(markets).where(and(eq(markets.modelId, model), eq(markets.hardwareClass, CPU)));
    expect(row[0]).toMatchObject({ spotNanosPerSecond: 50_000n, lowestAskNanosPerSecond: 1n, supplySlots: 41, totalSupplySlots: 41 });
  });

  it("prunes history older than the retention window", async () => {
    const before = await db().select({ n: sql<number>`count(*)::int` }).from(marketTicks);
    expect(before[0]!.n).toBeGreaterThan(0);
    await pruneTicks(db(), new Date("2026-03-01T12:00:02.000Z"));
    const left = await db().select({ at: marketTicks.at }).from(marketTicks);
    expect(left.every((r) => r.at >= new Date("2026-03-01T12:00:02.000Z"))).toBe(true);
    expect(left.length).toBeLessThan(before[0]!.n);
  });

  it("leases: one holder at a time, renewals fence an expired holder out, release hands over at once", async () => {
    const A = { name: "lease-test", holder: "A", ttl_ms: 400 };
    const B = { ...A, holder: "B" };
    expect(await acquireLease(db(), A)).toBe(true);
    expect(await acquireLease(db(), B)).toBe(false);
    expect(await acquireLease(db(), A)).toBe(true);
    expect(await renewLease(db(), A)).toBe(true);
    expect(await renewLease(db(), B)).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(await acquireLease(db(), B)).toBe(true);
    expect(await renewLease(db(), A)).toBe(false);
    expect(await currentLeaseHolder(db(), "lease-test")).toBe("B");
    await releaseLease(db(), B);
    expect(await currentLeaseHolder(db(), "lease-test")).toBeNull();
    expect(await acquireLease(db(), A)).toBe(true);
  });

  it("exactly one of two tickers leads; a dead leader is replaced within the lease TTL; a stopped one hands over at once", async () => {
    // On PostgreSQL the second ticker gets its own connection pool, as a second process would.
    const second = kind === "postgres" ? await openDatabase({ databaseUrl: database.url!, migrate: false, poolSize: 4 }) : null;
    const ttl_ms = 1_000;
    const interval_ms = 100;
    const start = (name: string, d: Database) => startClearingTicker({ db: d.db, holder: name, interval_ms, lease_ttl_ms: ttl_ms });
    const tickers: ClearingTicker[] = [];
    try {
      const one = start("one", database);
      const two = start("two", second ?? database);
      tickers.push(one, two);
      await waitFor("a leader to tick", () => one.tickCount() + two.tickCount() >= 5);
      const [leader, follower] = one.tickCount() > 0 ? [one, two] : [two, one];
      // Sample for a while: never two leaders, and the follower never records a tick.
      for (let i = 0; i < 10; i++) {
        expect(leader.isLeader() && follower.isLeader()).toBe(false);
        await new Promise((r) => setTimeout(r, interval_ms));
      }
      expect(follower.tickCount()).toBe(0);
      expect(await currentLeaseHolder(db(), CLEARING_LEASE_NAME)).toBe(leader.holder);

      // The leader dies without releasing its lease: the follower takes over once it lapses.
      await leader.abandon();
      const took = await waitFor("the follower to take over", () => follower.tickCount() > 0, 5_000);
      expect(took).toBeLessThan(ttl_ms + 5 * interval_ms + 1_000);
      expect(await currentLeaseHolder(db(), CLEARING_LEASE_NAME)).toBe(follower.holder);

      // A graceful stop releases the lease, so a newcomer leads within a couple of intervals.
      const three = start("three", database);
      tickers.push(three);
      await new Promise((r) => setTimeout(r, 3 * interval_ms));
      expect(three.tickCount()).toBe(0);
      await follower.stop();
      const handover = await waitFor("the newcomer to lead", () => three.tickCount() > 0, 5_000);
      expect(handover).toBeLessThan(ttl_ms);
    } finally {
      for (const t of tickers) await t.stop();
      await second?.close();
    }
  });
});
