// The webhook pipeline end to end (issue #9, "Webhooks"): raw-body signature check, store-once, durable
// processing in pg-boss with retries, operators' view of failures, and recovery after a process dies between
// storing and processing. Handlers are a test registry on real event types (createStripeEventsWorker's
// `handlers`), so each run is counted without depending on what the production handlers do.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../db/client";
import { stripeEvents } from "../../../db/schema";
import { DB_KINDS, createTestDatabase } from "../../../test/database";
import { startFakeStripe } from "../../../test/fake-stripe";
import { TEST_JOB_ENV } from "../../../test/marketplace";
import { createStripeEventsWorker } from "../../../workers/stripe-events";
import { readEnv } from "../../env";
import { startServer, type RunningServer } from "../../main";
import { STRIPE_API_VERSION, createStripeClient } from "./client";
import { listFailedStripeEvents, retryFailedStripeEvents } from "./failed-events";
import type { StripeEventHandlers } from "./process-event";
import { MAX_WEBHOOK_BODY_BYTES, STRIPE_WEBHOOK_PATH } from "./webhook-endpoint";

const SECRET = "whsec_pipeline_test";
const signer = createStripeClient("sk_test_signer").webhooks;

const eventId = () => `evt_${randomBytes(12).toString("hex")}`;
function eventBody(type: string, opts: { id?: string; object?: Record<string, unknown>; account?: string } = {}): string {
  return JSON.stringify({
    id: opts.id ?? eventId(),
    object: "event",
    api_version: STRIPE_API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    ...(opts.account ? { account: opts.account } : {}),
    data: { object: opts.object ?? { id: `cs_test_${randomBytes(6).toString("hex")}`, object: "checkout.session" } },
  });
}

describe.each(DB_KINDS)("Stripe webhook pipeline on %s", (kind) => {
  let database: Database;
  let server: RunningServer;
  const runs = new Map<string, number>();
  // Runs of one event at the same time; the pipeline must keep it at 1.
  const active = new Map<string, number>();
  let maxConcurrentPerEvent = 0;
  let permanentFailureFixed = false;
  const count = async (id: string) => {
    runs.set(id, (runs.get(id) ?? 0) + 1);
    active.set(id, (active.get(id) ?? 0) + 1);
    maxConcurrentPerEvent = Math.max(maxConcurrentPerEvent, active.get(id)!);
    await new Promise((r) => setTimeout(r, 50));
    active.set(id, active.get(id)! - 1);
  };
  // Real event types with countable, controllable test bodies.
  const handlers: StripeEventHandlers = {
    "checkout.session.completed": async (_ctx, event) => count(event.id),
    "invoice.paid": async (_ctx, event) => {
      await count(event.id);
      if (runs.get(event.id)! < 3) throw new Error(`flaky: run ${runs.get(event.id)}`);
    },
    "refund.failed": async (_ctx, event) => {
      await count(event.id);
      if (!permanentFailureFixed) throw new Error("handler bug: refund has no top-up");
    },
  };
  const envFor = (dataDir: string, extra: Record<string, string> = {}) =>
    readEnv({
      PORT: "0",
      DATA_DIR: dataDir,
      SPOTLANE_DEMO: "false",
      TEST_CREDIT_USD: "0",
      LOG_LEVEL: "silent",
      VERIFICATION_ENABLED: "false",
      STRIPE_SECRET_KEY: "sk_test_pipeline",
      STRIPE_WEBHOOK_SECRET: SECRET,
      // Never called: these handlers do not talk to Stripe.
      STRIPE_API_BASE: "http://127.0.0.1:9",
      ...TEST_JOB_ENV,
      JOB_RETRY_LIMIT: "2",
      ...extra,
    });
  const start = (opts: { workers?: boolean; env?: Record<string, string> } = {}) =>
    startServer({ env: envFor(mkdtempSync(join(tmpdir(), "spotlane-webhook-")), opts.env), web: false, database, workers: opts.workers === false ? false : [createStripeEventsWorker({ handlers: { platform: handlers, connect: {} } })] });

  const deliver = (target: RunningServer, payload: string, opts: { secret?: string; timestamp?: number; signature?: string | null } = {}) => {
    const signature = opts.signature === undefined ? signer.generateTestHeaderString({ payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp }) : opts.signature;
    return fetch(`${target.url}${STRIPE_WEBHOOK_PATH}`, { method: "POST", headers: { "content-type": "application/json", ...(signature === null ? {} : { "stripe-signature": signature }) }, body: payload });
  };
  const row = async (id: string) => (await database.db.select().from(stripeEvents).where(eq(stripeEvents.id, id)))[0];
  const settledRow = async (id: string, timeout_ms = 20_000) => {
    for (const deadline = Date.now() + timeout_ms; ; await new Promise((r) => setTimeout(r, 25))) {
      const r = await row(id);
      if (r && r.status !== "received") return r;
      if (Date.now() > deadline) throw new Error(`event ${id} still ${r?.status ?? "absent"} after ${timeout_ms} ms (attempts ${r?.attempts}, ${r?.lastError})`);
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await start();
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it("refuses bad, missing and stale signatures with a clear 400, and stores nothing", async () => {
    const id = eventId();
    const payload = eventBody("checkout.session.completed", { id });
    const forged = await deliver(server, payload, { secret: "whsec_someone_else" });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { message: string } }).error.message).toMatch(/signature verification failed/i);
    const missing = await deliver(server, payload, { signature: null });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/Missing Stripe-Signature/);
    // Signed correctly, ten minutes ago: outside Stripe's 300 s tolerance (a replayed capture).
    const stale = await deliver(server, payload, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(400);
    expect(((await stale.json()) as { error: { message: string } }).error.message).toMatch(/tolerance/i);
    // The body was altered after signing.
    const header = signer.generateTestHeaderString({ payload, secret: SECRET });
    const tampered = await deliver(server, payload.replace("checkout.session.completed", "checkout.session.expired"), { signature: header });
    expect(tampered.status).toBe(400);
    expect(await row(id)).toBeUndefined();
    expect(runs.has(id)).toBe(false);
  });

  it("answers 413 to a body over the cap without storing it, and 405 to other methods", async () => {
    const id = eventId();
    const big = eventBody("checkout.session.completed", { id, object: { id: "cs_big", object: "checkout.session", filler: "x".repeat(MAX_WEBHOOK_BODY_BYTES) } });
    const res = await deliver(server, big);
    expect(res.status).toBe(413);
    expect(await row(id)).toBeUndefined();
    expect((await fetch(`${server.url}${STRIPE_WEBHOOK_PATH}`)).status).toBe(405);
  });

  it("stores one event delivered three times at once as one row, and runs its handler once", async () => {
    const id = eventId();
    const payload = eventBody("checkout.session.completed", { id });
    const answers = await Promise.all([1, 2, 3].map(() => deliver(server, payload)));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(await a.json()).toEqual({ received: true });
    }
    const done = await settledRow(id);
    expect(done).toMatchObject({ status: "processed", attempts: 1, type: "checkout.session.completed", lastError: null });
    expect(done.processedAt).toBeInstanceOf(Date);
    // A fourth copy after processing (Stripe's retry, or a dashboard resend) changes nothing.
    expect((await deliver(server, payload)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(runs.get(id)).toBe(1);
    expect(maxConcurrentPerEvent).toBe(1);
    expect((await database.db.select().from(stripeEvents).where(eq(stripeEvents.id, id))).length).toBe(1);
  });

  it("stores types without a handler and Connect events, and marks them ignored", async () => {
    const id = eventId();
    expect((await deliver(server, eventBody("customer.created", { id, object: { id: "cus_1", object: "customer" } }))).status).toBe(200);
    expect(await settledRow(id)).toMatchObject({ status: "ignored", attempts: 0, objectId: "cus_1", account: null });
    const connect = eventId();
    expect((await deliver(server, eventBody("account.updated", { id: connect, account: "acct_123", object: { id: "acct_123", object: "account" } }))).status).toBe(200);
    expect(await settledRow(connect)).toMatchObject({ status: "ignored", account: "acct_123", objectId: "acct_123" });
  });

  it("retries a handler that throws, with backoff, until it succeeds", async () => {
    const id = eventId();
    expect((await deliver(server, eventBody("invoice.paid", { id, object: { id: "in_1", object: "invoice" } }))).status).toBe(200);
    const done = await settledRow(id);
    expect(done).toMatchObject({ status: "processed", attempts: 3, lastError: null });
    expect(runs.get(id)).toBe(3);
  });

  it("marks an event failed when retries run out, shows it to operators and in /metrics, and retries it on request", async () => {
    const id = eventId();
    expect((await deliver(server, eventBody("refund.failed", { id, object: { id: "re_1", object: "refund" } }))).status).toBe(200);
    // JOB_RETRY_LIMIT=2: three attempts.
    const failed = await settledRow(id);
    expect(failed).toMatchObject({ status: "failed", attempts: 3 });
    expect(failed.lastError).toContain("handler bug: refund has no top-up");
    expect(runs.get(id)).toBe(3);
    const listed = await listFailedStripeEvents(server.runtime.services);
    expect(listed.map((e) => e.id)).toContain(id);
    expect(listed.find((e) => e.id === id)).toMatchObject({ type: "refund.failed", object_id: "re_1", attempts: 3 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^spotlane_stripe_events\{status="failed"\} [1-9]/m);
    expect(metrics).toMatch(/^spotlane_stripe_events\{status="processed"\} [1-9]/m);

    permanentFailureFixed = true;
    expect(await retryFailedStripeEvents(server.runtime.services, server.runtime.jobs, { eventIds: [id] })).toEqual({ requeued: [id] });
    expect(await settledRow(id)).toMatchObject({ status: "processed", attempts: 4, lastError: null });
    expect(runs.get(id)).toBe(4);
    expect((await listFailedStripeEvents(server.runtime.services)).map((e) => e.id)).not.toContain(id);
    // Nothing failed is left to retry.
    expect(await retryFailedStripeEvents(server.runtime.services, server.runtime.jobs, { eventIds: [id] })).toEqual({ requeued: [] });
  });

  it("accepts the fake Stripe's signed deliveries, duplicated and out of order, storing each event once", async () => {
    const fake = await startFakeStripe({ webhookSecret: SECRET, webhookUrl: `${server.url}${STRIPE_WEBHOOK_PATH}`, delivery: { duplicates: 2, shuffle: true, concurrency: 3 } });
    try {
      for (let i = 0; i < 3; i++) await fake.client().customers.create({ email: `pipeline-${i}@test.local` });
      await fake.flushWebhooks();
      const sent = fake.events().map((e) => e.id);
      expect(sent.length).toBeGreaterThanOrEqual(3);
      expect(fake.deliveries().filter((d) => sent.includes(d.eventId)).length).toBe(sent.length * 3);
      expect(fake.deliveries().every((d) => d.status === 200)).toBe(true);
      for (const id of sent) expect(await settledRow(id)).toMatchObject({ status: "ignored", type: expect.stringMatching(/^customer\./) });
    } finally {
      await fake.close();
    }
  });

  it("processes, after a restart, an event stored by a process that stopped before processing it", async () => {
    await server.close();
    // Without a job queue the event is stored and never enqueued: the state a crash between the two leaves.
    const storeOnly = await start({ workers: false });
    const id = eventId();
    expect((await deliver(storeOnly, eventBody("checkout.session.completed", { id }))).status).toBe(200);
    await storeOnly.close();
    expect(await row(id)).toMatchObject({ status: "received", attempts: 0 });
    expect(runs.has(id)).toBe(false);

    server = await start();
    expect(await settledRow(id)).toMatchObject({ status: "processed", attempts: 1 });
    expect(runs.get(id)).toBe(1);
  });

  it("answers 404 when Stripe is not configured", async () => {
    const plain = await startServer({ env: readEnv({ PORT: "0", DATA_DIR: mkdtempSync(join(tmpdir(), "spotlane-webhook-")), SPOTLANE_DEMO: "false", LOG_LEVEL: "silent" }), web: false, database, workers: false });
    try {
      const id = eventId();
      const res = await deliver(plain, eventBody("checkout.session.completed", { id }));
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not configured/);
      expect(await row(id)).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});
