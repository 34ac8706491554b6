import { randomBytes } from "node:crypto";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { machines, members, offers, requests } from "../../db/schema";
import { newId } from "../../lib/ids";
import { usdToNanos } from "../../lib/money";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { createAuth } from "../auth/auth";
import type { ServiceContext } from "../context";
import { readEnv } from "../env";
import { setRuntime, type Runtime } from "../runtime";
import { createTRPCContext } from "./init";
import { appRouter, createCaller } from "./root";

const TEST_CREDIT_NANOS = usdToNanos("5");

/** Signs a user up through better-auth and returns request headers carrying their session cookie. */
async function signUp(runtime: Runtime, name: string): Promise<Headers> {
  const email = `${name}-${randomBytes(4).toString("hex")}@test.local`;
  const { headers } = await runtime.auth.api.signUpEmail({ body: { email, password: "password123", name }, returnHeaders: true });
  const cookie = headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return new Headers({ cookie });
}

const callerFor = async (headers: Headers) => createCaller(await createTRPCContext({ headers }));

async function expectTRPCError(promise: Promise<unknown>, code: TRPCError["code"]) {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
}

describe.each(DB_KINDS)("tRPC app router on %s", (kind) => {
  let database: Database;
  let runtime: Runtime;
  let alice: Headers;
  let now = new Date("2026-01-01T00:00:00Z");

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const baseUrl = "http://127.0.0.1:3999";
    const services: ServiceContext = { db: database.db, now: () => now, platform_fee_bps: 1000, test_credit_nanos: TEST_CREDIT_NANOS };
    const auth = createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl, testCreditNanos: TEST_CREDIT_NANOS });
    runtime = { env: readEnv({ LOG_LEVEL: "silent" }), baseUrl, database, auth, services };
    setRuntime(runtime);
    alice = await signUp(runtime, "alice");
  });
  afterAll(async () => {
    setRuntime(undefined);
    await database?.close();
  });

  it("gives a new user an active organization with the local test credit", async () => {
    const ctx = await createTRPCContext({ headers: alice });
    expect(ctx.organizationId).toMatch(/^org_/);
    expect(ctx.memberRole).toBe("admin");
    const balance = await createCaller(ctx).buyer.balance();
    expect(balance).toEqual({ balance_nanos: TEST_CREDIT_NANOS, held_nanos: 0n, available_nanos: TEST_CREDIT_NANOS, is_test_balance: true });
  });

  it("refuses signed-out callers and members without the role", async () => {
    const anonymous = await callerFor(new Headers());
    await expectTRPCError(anonymous.market.offers(), "UNAUTHORIZED");
    await expectTRPCError(anonymous.buyer.balance(), "UNAUTHORIZED");

    const finance = await signUp(runtime, "fiona");
    const ctx = await createTRPCContext({ headers: finance });
    await database.db.update(members).set({ role: "finance" }).where(eq(members.organizationId, ctx.organizationId!));
    const caller = await callerFor(finance);
    await expectTRPCError(caller.buyer.apiKeys.list(), "FORBIDDEN");
    await expectTRPCError(caller.provider.machines(), "FORBIDDEN");
    expect(await caller.market.offers()).toEqual([]);
  });

  it("creates an API key whose secret is returned once, lists it without secrets, and revokes it idempotently", async () => {
    const caller = await callerFor(alice);
    const created = await caller.buyer.apiKeys.create({ name: "  ci  " });
    expect(created.secret).toMatch(/^sk-spot-/);
    expect(created).toMatchObject({ name: "ci", key_prefix: created.secret.slice(0, 16) });
    const listed = await caller.buyer.apiKeys.list();
    expect(listed).toEqual([
      {
        id: created.id, name: "ci", key_prefix: created.key_prefix, created_at: created.created_at, revoked_at: null, status: "active",
        rate_limit_per_minute: null, concurrency_limit: null, monthly_spend_limit_nanos: null, routing_defaults: null,
        month_spend_nanos: 0n, month_start: new Date("2026-01-01T00:00:00Z"),
      },
    ]);
    expect(superjson.stringify(listed)).not.toContain(created.secret);

    const first = await caller.buyer.apiKeys.revoke({ id: created.id });
    now = new Date(now.getTime() + 5_000);
    const again = await caller.buyer.apiKeys.revoke({ id: created.id });
    expect(again.revoked_at).toEqual(first.revoked_at);
    expect((await caller.buyer.apiKeys.list())[0]).toMatchObject({ status: "revoked", revoked_at: first.revoked_at });
  });

  it("maps service errors and invalid input to tRPC codes, and keeps tenants apart", async () => {
    const caller = await callerFor(alice);
    await expectTRPCError(caller.buyer.apiKeys.revoke({ id: "key_missing" }), "NOT_FOUND");
    await expectTRPCError(caller.buyer.apiKeys.create({ name: "   " }), "BAD_REQUEST");

    const bob = await callerFor(await signUp(runtime, "bob"));
    const bobsKey = await bob.buyer.apiKeys.create({ name: "bob's" });
    await expectTRPCError(caller.buyer.apiKeys.revoke({ id: bobsKey.id }), "NOT_FOUND");
  });

  it("answers over HTTP with the mapped status and superjson bigints", async () => {
    const call = (path: string, init: RequestInit = {}) =>
      fetchRequestHandler({
        endpoint: "/api/trpc",
        req: new Request(`${runtime.baseUrl}/api/trpc/${path}`, { ...init, headers: { cookie: alice.get("cookie")!, "content-type": "application/json" } }),
        router: appRouter,
        createContext: ({ req }) => createTRPCContext({ headers: req.headers }),
      });
    const missing = await call("buyer.apiKeys.revoke", { method: "POST", body: JSON.stringify(superjson.serialize({ id: "key_missing" })) });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.json.data.service_code).toBe("not_found");
    const balance = await call("buyer.balance");
    expect(balance.status).toBe(200);
    const body = (await balance.json()) as { result: { data: Parameters<typeof superjson.deserialize>[0] } };
    expect(superjson.deserialize<{ balance_nanos: bigint }>(body.result.data).balance_nanos).toBe(TEST_CREDIT_NANOS);
  });

  it("shows a provider its machines with gate reasons, and the market only live supply", async () => {
    const ctx = await createTRPCContext({ headers: alice });
    const organizationId = ctx.organizationId!;
    const caller = createCaller(ctx);
    const token = await caller.provider.agentTokens.create({ name: "rack-1" });
    expect(token.token).toMatch(/^spat-/);
    const machine = (name: string, lastHeartbeatAt: Date) => ({
      id: newId("machine"), organizationId, agentTokenId: token.id, name, hardwareClass: "cpu", agentVersion: "test", endpointUrl: "http://127.0.0.1:1",
      secret: "s", status: "online", lastHeartbeatAt, hardware: { hardware_class: "cpu", cpu_model: "x", cpu_cores: 1, memory_mb: 1, gpus: [] },
    });
    const fresh = machine("fresh", now);
    const stale = machine("stale", new Date(now.getTime() - 60_000));
    await database.db.insert(machines).values([fresh, stale]);
    const offer = (machineId: string, ask: bigint, activeSlots: number) => ({
      id: newId("offer"), machineId, organizationId, modelId: "tiny:f32", hardwareClass: "cpu", slots: 2, activeSlots, askNanosPerSecond: ask,
      engine: "test", engineVersion: "1", contextSize: 1024, claimedDecodeTokensPerSecond: 100, claimedPrefillTokensPerSecond: 100, claimedTtftMs: 10, status: "live",
      verificationStatus: "verified", // as if its canaries had passed (server/providers/verification)
    });
    await database.db.insert(offers).values([offer(fresh.id, 70_000n, 2), offer(stale.id, 50_000n, 0)]);

    const listed = await caller.provider.machines();
    // A full machine still takes traffic (requests queue in its engine), so it is not gated; the stale
    // machine's cheaper ask is not supply, so the market's spot is the fresh one's ask.
    expect(listed.map((m) => [m.name, m.offers[0]!.gate_reasons, m.offers[0]!.spot_nanos_per_second])).toEqual([
      ["fresh", [], 70_000n],
      ["stale", ["heartbeat_stale"], 70_000n],
    ]);
    expect(superjson.stringify(listed)).not.toContain('"secret"');

    // The stale machine's cheaper offer is not supply; the full one still is.
    expect(await caller.market.offers()).toEqual([
      { model_id: "tiny:f32", lowest_ask_nanos_per_second: 70_000n, slots: 2, active_slots: 2, offers: [expect.objectContaining({ hardware_class: "cpu", ask_nanos_per_second: 70_000n })] },
    ]);
    expect(await caller.provider.earnings()).toEqual({ earnings_nanos: 0n });

    await caller.provider.agentTokens.revoke({ id: token.id });
    expect((await caller.provider.agentTokens.list())[0]).toMatchObject({ id: token.id, status: "revoked" });
    expect((await caller.provider.machines()).map((m) => [m.status, m.offers[0]!.gate_reasons[0]])).toEqual([
      ["offline", "machine_offline"],
      ["offline", "machine_offline"],
    ]);
  });

  it("lists the buyer's recent requests newest first with machine names and cost", async () => {
    const ctx = await createTRPCContext({ headers: alice });
    const caller = createCaller(ctx);
    const key = await caller.buyer.apiKeys.create({ name: "traffic" });
    const [m] = await database.db.select().from(machines).where(eq(machines.name, "fresh"));
    const row = (computeMs: number, at: Date) => ({
      id: newId("request"), organizationId: ctx.organizationId!, apiKeyId: key.id, offerId: "off_x", machineId: m!.id, providerOrganizationId: ctx.organizationId!,
      modelId: "tiny:f32", hardwareClass: "cpu", endpoint: "chat.completions", stream: false, status: "completed", priceNanosPerSecond: 50_000n, computeMs,
      promptTokens: 3, completionTokens: 4, costNanos: BigInt(computeMs) * 50n, providerEarningsNanos: BigInt(computeMs) * 45n, platformFeeNanos: BigInt(computeMs) * 5n,
      dispatchedAt: at, completedAt: at,
    });
    await database.db.insert(requests).values([row(10, new Date(now.getTime() - 1000)), row(20, now)]);
    const recent = await caller.buyer.requests.recent();
    expect(recent.map((r) => [r.compute_ms, r.cost_nanos, r.machine_name, r.api_key_name])).toEqual([
      [20, 1000n, "fresh", "traffic"],
      [10, 500n, "fresh", "traffic"],
    ]);
  });
});
