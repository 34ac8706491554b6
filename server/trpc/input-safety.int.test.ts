import { randomBytes } from "node:crypto";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { createAuth } from "../auth/auth";
import type { ServiceContext } from "../context";
import { readEnv } from "../env";
import { setRuntime, type Runtime } from "../runtime";
import { createTRPCContext, createTRPCRouter, INTERNAL_ERROR_MESSAGE, publicProcedure } from "./init";
import { appRouter } from "./root";

/** A procedure failing the way a database error does: its message quotes the SQL and a secret. */
const failingRouter = createTRPCRouter({
  boom: publicProcedure.query(() => {
    throw new Error(`insert into "api_keys" values ($1) -- params: key_hash=5e884898da28047151d0e56f8dc6292773603d0d`);
  }),
});

describe.each(DB_KINDS)("tRPC never leaks internal errors and refuses control characters on %s", (kind) => {
  let database: Database;
  let runtime: Runtime;
  let cookie: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const baseUrl = "http://127.0.0.1:3999";
    const services: ServiceContext = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 0n };
    const auth = createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl, testCreditNanos: 0n });
    runtime = { env: readEnv({ LOG_LEVEL: "silent" }), baseUrl, database, auth, services };
    setRuntime(runtime);
    const { headers } = await auth.api.signUpEmail({ body: { email: `nul-${randomBytes(4).toString("hex")}@test.local`, password: "password123", name: "nul" }, returnHeaders: true });
    cookie = headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  });
  afterAll(async () => {
    setRuntime(undefined);
    await database?.close();
  });

  const call = (router: typeof appRouter | typeof failingRouter, path: string, init: { method: "GET" | "POST"; input?: unknown }) =>
    fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request(`${runtime.baseUrl}/api/trpc/${path}${init.method === "GET" ? `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(init.input)))}` : ""}`, {
        method: init.method,
        headers: { cookie, "content-type": "application/json" },
        body: init.method === "POST" ? JSON.stringify(superjson.serialize(init.input)) : undefined,
      }),
      router,
      createContext: ({ req }) => createTRPCContext({ headers: req.headers }),
    });

  it("answers a NUL in an API key name with 400, not a 500 quoting the SQL", async () => {
    const res = await call(appRouter, "buyer.apiKeys.create", { method: "POST", input: { name: "ci\u0000key" } });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).toContain("control character");
    expect(text).not.toMatch(/insert|key_hash|api_keys/i);
  });

  it("finds control characters anywhere in the input, keys included", async () => {
    const nested = await call(appRouter, "buyer.apiKeys.updateSettings", { method: "POST", input: { id: "key_x", routing_defaults: { prefer: ["a\u0007"] } } });
    expect(nested.status).toBe(400);
    expect(await nested.text()).toContain("'routing_defaults.prefer.0' contains a control character");
    const inKey = await call(appRouter, "buyer.apiKeys.updateSettings", { method: "POST", input: { id: "key_x", routing_defaults: { "x\u0000": 1 } } });
    expect(inKey.status).toBe(400);
    expect(await inKey.text()).toContain("control character");
    // Tabs and newlines are text, not control noise: this one reaches the procedure (and its own validation).
    const tab = await call(appRouter, "buyer.apiKeys.create", { method: "POST", input: { name: "ci\tkey" } });
    expect(tab.status).toBe(200);
  });

  it("replaces an unexpected error's message with a generic one and drops its stack", async () => {
    const res = await call(failingRouter, "boom", { method: "GET" });
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error.json.message).toBe(INTERNAL_ERROR_MESSAGE);
    expect(JSON.stringify(body)).not.toMatch(/insert|key_hash|5e884898/);
    expect(body.error.json.data.stack).toBeUndefined();
  });
});
