import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { machines, markets } from "../../db/schema";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { seedOffer, seedOrganization } from "../../test/market-fixtures";
import type { ServiceContext } from "../context";
import { toCandidates } from "../gateway/admit";
import { getSpotPrices } from "../market/spot-prices";
import { marketKey } from "../market/market-key";
import { route } from "../router/route";
import { authenticateAgent } from "./authenticate-agent";
import { createAgentToken } from "./create-agent-token";
import { listAllOffers } from "./list-routable-offers";
import { listProviderMachines } from "./list-machines";
import { machineStatus } from "./machine-status";
import { revokeAgentToken } from "./revoke-agent-token";

const MODEL = "tiny:f32";

describe.each(DB_KINDS)("what a provider is told is what routing does, on %s", (kind) => {
  let database: Database;
  let ctx: ServiceContext;
  const now = new Date("2026-02-01T12:00:00Z");
  let mine: { organizationId: string; agentTokenId: string };
  let token: string;
  let dear: { offerId: string; machineId: string };
  let cheapUnverified: { offerId: string; machineId: string };
  let theirs: { offerId: string; machineId: string };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = { db: database.db, now: () => now, platform_fee_bps: 1000, test_credit_nanos: 0n };
    const me = await seedOrganization(database.db, "me");
    const created = await createAgentToken(ctx, { organizationId: me.organizationId, name: "rack" });
    mine = { organizationId: me.organizationId, agentTokenId: created.id };
    token = created.token;
    const other = await seedOrganization(database.db, "other");
    const offer = (org: typeof mine, ask: bigint, verification_status: "verified" | "unverified" = "verified") =>
      seedOffer(database.db, { org, model_id: MODEL, hardware_class: "cpu", ask_nanos_per_second: ask, slots: 2, heartbeat_at: now, verification_status });
    dear = await offer(mine, 70_000n);
    // Cheaper, but not supply (canaries pending): it must not set the price.
    cheapUnverified = await offer(mine, 10_000n, "unverified");
    theirs = await offer(other, 50_000n);
  });
  afterAll(async () => {
    await database?.close();
  });

  /** The gateway's verdict on the same rows: its offer query, its spot read, its router. */
  const routerVerdict = async () => {
    const cleared = await getSpotPrices(database.db, now);
    const deps = { spotPrice: (m: string, h: string) => cleared.get(marketKey(m, h)) ?? null, inflight: new Map<string, number>(), rtt_ms: new Map<string, number>() };
    const r = route(toCandidates(deps, await listAllOffers(database.db), now), { prompt_tokens: 10, max_tokens: 10 }, { sort: "balanced", allow_fallbacks: true }, () => 0);
    return { ranked: r.ranked.map((x) => x.candidate.offerId), rejected: Object.fromEntries(r.rejected.map((x) => [x.offerId, x.reason])) };
  };
  const myOffers = async () => Object.fromEntries((await listProviderMachines(ctx, { organizationId: mine.organizationId })).flatMap((m) => m.offers.map((o) => [o.id, o])));
  const setTick = async (spot: bigint, at: Date) => {
    const row = { modelId: MODEL, hardwareClass: "cpu", spotNanosPerSecond: spot, lowestAskNanosPerSecond: 50_000n, supplySlots: 2, totalSupplySlots: 4, demandMillislots: 0, totalDemandMillislots: 0, utilization: 0, shortage: false, at };
    await database.db.insert(markets).values(row).onConflictDoUpdate({ target: [markets.modelId, markets.hardwareClass], set: row });
  };

  it("before any tick, an ask above the lowest live ask is gated ask_above_spot in the views and by the router", async () => {
    const offers = await myOffers();
    expect(offers[dear.offerId]).toMatchObject({ gate_reasons: ["ask_above_spot"], spot_nanos_per_second: 50_000n });
    expect(offers[cheapUnverified.offerId]).toMatchObject({ gate_reasons: ["unverified"], spot_nanos_per_second: 50_000n });
    expect(await routerVerdict()).toEqual({ ranked: [theirs.offerId], rejected: { [dear.offerId]: "ask_above_spot", [cheapUnverified.offerId]: "unverified" } });

    // `spotlane-agent status` gets the same answer, with the spot to compare the ask with.
    const status = await machineStatus(ctx, { organizationId: mine.organizationId, request: { machine_id: dear.machineId } });
    expect(status.machines[0]!.offers[0]).toMatchObject({ offer_id: dear.offerId, gate_reasons: ["ask_above_spot"], ask_nanos_per_second: "70000", spot_nanos_per_second: "50000" });
  });

  it("uses a fresh tick's cleared spot, and ignores a stale one, as the gateway does", async () => {
    await setTick(80_000n, now);
    expect((await myOffers())[dear.offerId]).toMatchObject({ gate_reasons: [], spot_nanos_per_second: 80_000n });
    expect((await routerVerdict()).ranked.sort()).toEqual([dear.offerId, theirs.offerId].sort());

    await setTick(80_000n, new Date(now.getTime() - 60_000));
    expect((await myOffers())[dear.offerId]).toMatchObject({ gate_reasons: ["ask_above_spot"], spot_nanos_per_second: 50_000n });
    expect((await routerVerdict()).rejected[dear.offerId]).toBe("ask_above_spot");
  });

  it("revoking an agent token takes its machines offline at once and refuses the token afterwards", async () => {
    await expect(authenticateAgent(database.db, `Bearer ${token}`)).resolves.toMatchObject({ organizationId: mine.organizationId });
    await revokeAgentToken(ctx, { organizationId: mine.organizationId, agentTokenId: mine.agentTokenId });
    const statuses = await database.db.select({ id: machines.id, status: machines.status }).from(machines);
    expect(Object.fromEntries(statuses.map((m) => [m.id, m.status]))).toEqual({ [dear.machineId]: "offline", [cheapUnverified.machineId]: "offline", [theirs.machineId]: "online" });
    expect((await myOffers())[dear.offerId]!.gate_reasons[0]).toBe("machine_offline");
    expect((await routerVerdict()).rejected[dear.offerId]).toBe("machine_offline");
    await expect(authenticateAgent(database.db, `Bearer ${token}`)).rejects.toMatchObject({ code: "unauthenticated" });
    // Idempotent: a second revoke changes nothing and keeps the first time.
    const again = await revokeAgentToken(ctx, { organizationId: mine.organizationId, agentTokenId: mine.agentTokenId });
    expect(again.revoked_at).toEqual(now);
    expect((await database.db.select().from(machines).where(eq(machines.id, theirs.machineId)))[0]!.status).toBe("online");
  });
});
