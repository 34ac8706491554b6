import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { eq } from "drizzle-orm";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { apiKeys, requests } from "../../db/schema";
import { newId } from "../../lib/ids";
import { usdToNanos } from "../../lib/money";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { createAuth } from "../auth/auth";
import { updateApiKeySettings } from "../buyers/update-api-key-settings";
import type { ServiceContext } from "../context";
import { readEnv } from "../env";
import { ServiceError } from "../errors";
import { ApiKeyCache } from "../gateway/api-key-cache";
import { setRuntime, type Runtime } from "../runtime";
import { createTRPCContext } from "./init";
import { appRouter, createCaller } from "./root";

const TEST_CREDIT_NANOS = usdToNanos("5");

async function signUp(runtime: Runtime, name: string): Promise<Headers> {
  const email = `${name}-${randomBytes(4).toString("hex")}@test.local`;
  const { headers } = await runtime.auth.api.signUpEmail({ body: { email, password: "password123", name }, returnHeaders: true });
  return new Headers({ cookie: headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") });
}

async function trpcError(promise: Promise<unknown>, code: TRPCError["code"]): Promise<TRPCError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  return error as TRPCError;
}

describe.each(DB_KINDS)("API key settings on %s", (kind) => {
  let database: Database;
  let runtime: Runtime;
  let services: ServiceContext;
  let alice: Headers;
  // Mid-month, so "this month" and "last month" both have room.
  const now = new Date("2026-03-15T12:00:00Z");

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const baseUrl = "http://127.0.0.1:3999";
    services = { db: database.db, now: () => now, platform_fee_bps: 1000, test_credit_nanos: TEST_CREDIT_NANOS };
    const auth = createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl, testCreditNanos: TEST_CREDIT_NANOS });
    runtime = { env: readEnv({ LOG_LEVEL: "silent" }), baseUrl, database, auth, services };
    setRuntime(runtime);
    alice = await signUp(runtime, "alice");
  });
  afterAll(async () => {
    setRuntime(undefined);
    await database?.close();
  });

  const caller = async (headers: Headers) => createCaller(await createTRPCContext({ headers }));

  it("lists a new key with no limits, no routing defaults and nothing spent", async () => {
    const api = await caller(alice);
    const key = await api.buyer.apiKeys.create({ name: "fresh" });
    const [listed] = await api.buyer.apiKeys.list();
    expect(listed).toMatchObject({
      id: key.id,
      rate_limit_per_minute: null,
      concurrency_limit: null,
      monthly_spend_limit_nanos: null,
      routing_defaults: null,
      month_spend_nanos: 0n,
      month_start: new Date("2026-03-01T00:00:00Z"),
    });
  });

  it("sets limits and routing defaults, reads them back from the list, and the gateway resolves them", async () => {
    const api = await caller(alice);
    const key = await api.buyer.apiKeys.create({ name: "prod" });
    const routing_defaults = {
      sort: "price" as const,
      max_price_per_second: "0.0002",
      max_ttft_ms: 800,
      hardware: { only: ["nvidia-h100"], ignore: [] },
      quantizations: ["q4_k_m"],
      providers: { order: ["org_a", "mach_b"], ignore: ["org_c"] },
      allow_fallbacks: false,
    };
    const saved = await api.buyer.apiKeys.updateSettings({
      id: key.id,
      rate_limit_per_minute: 60,
      concurrency_limit: 4,
      monthly_spend_limit_usd: "12.50",
      routing_defaults,
    });
    // Stored minimal: the empty `hardware.ignore` list is dropped (the router ignores empty lists anyway).
    const stored = { ...routing_defaults, hardware: { only: ["nvidia-h100"] } };
    expect(saved).toEqual({ id: key.id, name: "prod", rate_limit_per_minute: 60, concurrency_limit: 4, monthly_spend_limit_nanos: 12_500_000_000n, routing_defaults: stored });

    const listed = (await api.buyer.apiKeys.list()).find((k) => k.id === key.id);
    expect(listed).toMatchObject({ rate_limit_per_minute: 60, concurrency_limit: 4, monthly_spend_limit_nanos: usdToNanos("12.5"), routing_defaults: stored });

    // What the gateway sees for the key (its cache reads the same columns).
    const [row] = await database.db.select({ keyHash: apiKeys.keyHash }).from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row).toBeDefined();
    const resolved = await new ApiKeyCache(database.db, () => now.getTime()).resolve(`Bearer ${key.secret}`);
    expect(resolved).toMatchObject({ rate_limit_per_minute: 60, concurrency_limit: 4, monthly_spend_limit_nanos: 12_500_000_000n, routing_defaults: stored });

    // A patch leaves out what it does not name.
    const patched = await api.buyer.apiKeys.updateSettings({ id: key.id, concurrency_limit: 8 });
    expect(patched).toMatchObject({ rate_limit_per_minute: 60, concurrency_limit: 8, monthly_spend_limit_nanos: 12_500_000_000n, routing_defaults: stored });
  });

  it("clears limits and routing defaults with null (unlimited again)", async () => {
    const api = await caller(alice);
    const key = await api.buyer.apiKeys.create({ name: "to clear" });
    await api.buyer.apiKeys.updateSettings({ id: key.id, rate_limit_per_minute: 10, concurrency_limit: 2, monthly_spend_limit_usd: "1", routing_defaults: { sort: "latency" } });
    const cleared = await api.buyer.apiKeys.updateSettings({ id: key.id, rate_limit_per_minute: null, concurrency_limit: null, monthly_spend_limit_usd: null, routing_defaults: null });
    expect(cleared).toMatchObject({ rate_limit_per_minute: null, concurrency_limit: null, monthly_spend_limit_nanos: null, routing_defaults: null });
    const [row] = await database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row).toMatchObject({ rateLimitPerMinute: null, concurrencyLimit: null, monthlySpendLimitNanos: null, routingDefaults: null });

    // Routing defaults with nothing in them are stored as none, too.
    await api.buyer.apiKeys.updateSettings({ id: key.id, routing_defaults: { sort: "price" } });
    expect(await api.buyer.apiKeys.updateSettings({ id: key.id, routing_defaults: { providers: { only: [] } } })).toMatchObject({ routing_defaults: null });
    // A $0 limit is a limit (it blocks paid requests), not "unlimited".
    expect(await api.buyer.apiKeys.updateSettings({ id: key.id, monthly_spend_limit_usd: "0" })).toMatchObject({ monthly_spend_limit_nanos: 0n });
  });

  it("refuses invalid routing defaults and limits with BAD_REQUEST and a readable message", async () => {
    const api = await caller(alice);
    const key = await api.buyer.apiKeys.create({ name: "strict" });

    const sort = await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, routing_defaults: { sort: "cheapest" as never } }), "BAD_REQUEST");
    expect(sort.message).toBe('Invalid routing defaults — sort: Invalid option: expected one of "price"|"latency"|"throughput"|"balanced".');
    const price = await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, routing_defaults: { max_price_per_second: "0.0000000001" } }), "BAD_REQUEST");
    expect(price.message).toBe("Invalid routing defaults — max_price_per_second: a USD amount per second from 0 to 1000 with at most 9 decimals, like 0.0001.");
    // The one price range: a key default cannot bid past $1,000 per second either (it used to be served for free).
    const huge = await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, routing_defaults: { max_price_per_second: "99999999999" } }), "BAD_REQUEST");
    expect(huge.message).toMatch(/from 0 to 1000/);
    const unknown = await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, routing_defaults: { fastest: true } as never }), "BAD_REQUEST");
    expect(unknown.message).toBe('Invalid routing defaults — Unrecognized key: "fastest".');

    const rate = await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, rate_limit_per_minute: 0 }), "BAD_REQUEST");
    expect(rate.message).toBe("Requests per minute must be a whole number from 1 to 1,000,000; leave it empty for no limit.");
    const concurrency = await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, concurrency_limit: 2.5 }), "BAD_REQUEST");
    expect(concurrency.message).toMatch(/^Concurrent requests must be a whole number/);
    const spend = await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, monthly_spend_limit_usd: "ten dollars" }), "BAD_REQUEST");
    expect(spend.message).toBe("The monthly spend limit must be a USD amount like 250 or 12.50; leave it empty for no limit.");
    await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, monthly_spend_limit_usd: "9999999999" }), "BAD_REQUEST");

    // What the dashboard receives over HTTP: 400 with the same sentence, and the service code.
    const res = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request(`${runtime.baseUrl}/api/trpc/buyer.apiKeys.updateSettings`, {
        method: "POST",
        headers: { cookie: alice.get("cookie")!, "content-type": "application/json" },
        body: superjson.stringify({ id: key.id, routing_defaults: { max_ttft_ms: -5 } }),
      }),
      router: appRouter,
      createContext: ({ req }) => createTRPCContext({ headers: req.headers }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { json: { message: string; data: { service_code: string } } } };
    expect(body.error.json.message).toBe("Invalid routing defaults — max_ttft_ms: Too small: expected number to be >0.");
    expect(body.error.json.data.service_code).toBe("invalid_input");

    // Nothing was written by the refused calls.
    expect((await api.buyer.apiKeys.list()).find((k) => k.id === key.id)).toMatchObject({ rate_limit_per_minute: null, concurrency_limit: null, monthly_spend_limit_nanos: null, routing_defaults: null });
  });

  it("validates routing defaults in the service too, with the gateway's schema", async () => {
    const organizationId = (await createTRPCContext({ headers: alice })).organizationId!;
    const key = await (await caller(alice)).buyer.apiKeys.create({ name: "service" });
    const error = await updateApiKeySettings(services, { organizationId, apiKeyId: key.id, routing_defaults: { max_ttft_ms: 1.5, hardware: { only: [""] } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: "invalid_input", details: { param: "routing_defaults" } });
    expect((error as ServiceError).message).toBe(
      "Invalid routing defaults — max_ttft_ms: Invalid input: expected int, received number; hardware.only[1]: Too small: expected string to have >=1 characters.",
    );
  });

  it("answers NOT_FOUND for another organization's key and a missing one, and CONFLICT for a revoked one", async () => {
    const api = await caller(alice);
    const bob = await caller(await signUp(runtime, "bob"));
    const bobsKey = await bob.buyer.apiKeys.create({ name: "bob's" });
    const error = await trpcError(api.buyer.apiKeys.updateSettings({ id: bobsKey.id, rate_limit_per_minute: 1 }), "NOT_FOUND");
    expect(error.message).toBe("API key not found.");
    await trpcError(api.buyer.apiKeys.updateSettings({ id: "key_missing", rate_limit_per_minute: 1 }), "NOT_FOUND");
    expect((await bob.buyer.apiKeys.list())[0]).toMatchObject({ id: bobsKey.id, rate_limit_per_minute: null });

    const key = await api.buyer.apiKeys.create({ name: "old" });
    await api.buyer.apiKeys.revoke({ id: key.id });
    await trpcError(api.buyer.apiKeys.updateSettings({ id: key.id, rate_limit_per_minute: 1 }), "CONFLICT");
  });

  it("shows each key's spend since the start of the UTC month", async () => {
    const ctx = await createTRPCContext({ headers: alice });
    const api = createCaller(ctx);
    const a = await api.buyer.apiKeys.create({ name: "spender a" });
    const b = await api.buyer.apiKeys.create({ name: "spender b" });
    const row = (apiKeyId: string, costNanos: bigint, at: Date) => ({
      id: newId("request"), organizationId: ctx.organizationId!, apiKeyId, offerId: "off_x", machineId: "mach_x", providerOrganizationId: "org_p",
      modelId: "tiny:f32", hardwareClass: "cpu", endpoint: "chat.completions", stream: false, status: "completed", priceNanosPerSecond: 1n, computeMs: 1,
      promptTokens: 1, completionTokens: 1, costNanos, providerEarningsNanos: 0n, platformFeeNanos: costNanos, dispatchedAt: at, completedAt: at,
    });
    await database.db.insert(requests).values([
      row(a.id, 1_000n, new Date("2026-03-01T00:00:00Z")), // the first instant of the month counts
      row(a.id, 2_500n, new Date("2026-03-15T11:59:00Z")),
      row(a.id, 7_000n, new Date("2026-02-28T23:59:59.999Z")), // last month
      row(b.id, 40n, new Date("2026-03-10T00:00:00Z")),
    ]);
    const listed = await api.buyer.apiKeys.list();
    const spend = (id: string) => listed.find((k) => k.id === id)!.month_spend_nanos;
    expect(spend(a.id)).toBe(3_500n);
    expect(spend(b.id)).toBe(40n);
  });
});
