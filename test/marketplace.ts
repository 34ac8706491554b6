import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedEngine } from "../agent/src/engine/embedded";
import { runAgent, type RunningAgent } from "../agent/src/run-agent";
import { createOrganizationForUser } from "../server/auth/create-organization";
import { createApiKey } from "../server/buyers/create-api-key";
import { readEnv } from "../server/env";
import { startServer, type RunningServer } from "../server/main";
import { createAgentToken } from "../server/providers/create-agent-token";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { canaryRuns, offers, stripeEvents, users } from "../db/schema";
import type { BenchmarkResult } from "../lib/wire/agent";
import { newId } from "../lib/ids";
import { usdToNanos } from "../lib/money";
import { DEFAULT_VERIFICATION_CONFIG } from "../server/providers/verification/config";
import { createTestDatabase, type DbKind } from "./database";
import { makeTinyModel, TINY_MODEL_ID } from "./tiny-model";

export type TestMarketplace = {
  server: RunningServer;
  baseUrl: string;
  close(): Promise<void>;
  /** Waits until every finished request is in the requests table and the ledger (settlement is asynchronous). */
  settled(): Promise<void>;
  /**
   * Waits until every stored Stripe event is processed, ignored or failed (none still `received`); throws with
   * the pending ones after `timeout_ms`. Deliveries still on their way are the fake's: `fake.flushWebhooks()` first.
   */
  stripeIdle(opts?: { timeout_ms?: number }): Promise<void>;
  /** A buyer organization with `credit_usd` of local test credit and an API key. */
  createBuyer(opts?: { credit_usd?: string }): Promise<{ organizationId: string; apiKey: string; apiKeyId: string }>;
  /** A provider organization and its agent token. */
  createProvider(): Promise<{ organizationId: string; agentToken: string }>;
  /**
   * A real agent: embedded llama.cpp on the tiny model, serving over HTTP, registered with the
   * marketplace. By default it resolves once canaries have verified its offer (buyer traffic only
   * goes to verified offers); `waitUntilVerified: false` returns right after registration.
   */
  startAgent(opts: StartAgentOptions): Promise<RunningAgent>;
  /**
   * Resolves when every live offer of the machine is verified and, by default, its post-registration
   * burst of canaries is over (`quiet`): then no canary reaches the agent for about a minute, so tests
   * that count slots or generations are undisturbed. Throws with the latest canary results after `timeout_ms`.
   */
  waitUntilVerified(machineId: string, opts?: number | { timeout_ms?: number; quiet?: boolean }): Promise<void>;
};

export type StartAgentOptions = {
  agentToken: string;
  askUsdPerSecond?: string;
  slots?: number;
  name?: string;
  /** Claimed figures (default: modest ones an honest tiny-model agent beats even on a loaded machine). */
  benchmark?: BenchmarkResult;
  /** Serve the tiny model made with this seed (another model's weights) while still advertising `modelId`. */
  modelSeed?: number;
  /** Model id to advertise (default TINY_MODEL_ID). */
  modelId?: string;
  /** Default true. */
  waitUntilVerified?: boolean;
  /** With waitUntilVerified: also wait for the post-registration burst of canaries to end (default true). */
  quiet?: boolean;
  /** URL the marketplace should call instead of the agent's own (e.g. a recording proxy in front of it). */
  publicUrl?: string;
  port?: number;
};

/**
 * Canary cadence for tests: the burst that verifies a new offer is fast (3 canaries 150 ms apart),
 * then canaries come at the production pace (one a minute), out of the way of the test's own traffic.
 */
export const TEST_VERIFICATION_ENV = { CANARY_TICK_MS: "50", CANARY_BURST_INTERVAL_MS: "150", CANARY_INTERVAL_S: "60" } as const;

/** The job queue at test pace: fast backstop polls and sweeps, backoff from 1 s (server/jobs/queue.ts). */
export const TEST_JOB_ENV = { JOB_POLL_INTERVAL_MS: "500", JOB_RETRY_DELAY_S: "1", STRIPE_EVENT_SWEEP_INTERVAL_MS: "1000" } as const;

/** Loopback, where every test agent listens; `env: { PROVIDER_ALLOWED_NETWORKS: "" }` restores the public-only default. */
export const TEST_ALLOWED_NETWORKS = "127.0.0.0/8,::1/128";

export const tinyModelPath = () => join(tmpdir(), "spotlane-test-models", "spotlane-tiny.gguf");

/** The marketplace on a fresh database, without the dashboard (gateway + agent API only). */
export async function startTestMarketplace(
  kind: DbKind,
  opts: {
    env?: Record<string, string>;
    /**
     * `canaries` (default): the verification worker runs and offers serve once canaries pass.
     * `trust`: no canaries; offers are verified as registered (for tests that count every request an engine sees).
     */
    verification?: "canaries" | "trust";
  } = {},
): Promise<TestMarketplace> {
  const database = await createTestDatabase(kind);
  const env = readEnv({
    PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "spotlane-data-")),
    SPOTLANE_DEMO: "false",
    TEST_CREDIT_USD: "0",
    LOG_LEVEL: "silent",
    ...TEST_VERIFICATION_ENV,
    ...TEST_JOB_ENV,
    VERIFICATION_ENABLED: opts.verification === "trust" ? "false" : "true",
    // Test agents listen on loopback, which a real marketplace refuses (server/http/endpoint-policy.ts).
    PROVIDER_ALLOWED_NETWORKS: TEST_ALLOWED_NETWORKS,
    // The scheduled reconciliation would post Stripe fee entries into tests' ledgers; its own test runs it.
    RECONCILIATION_CHECK_MS: "3600000",
    ...opts.env,
  });
  const server = await startServer({ env, web: false, database });
  const agents: RunningAgent[] = [];
  const rt = server.runtime;

  const newOrg = async (label: string, credit_nanos: bigint) => {
    const userId = newId("user");
    await rt.database.db.insert(users).values({ id: userId, name: label, email: `${userId}@test.local` });
    return { userId, ...(await createOrganizationForUser(rt.database.db, { userId, name: label, roles: "admin", testCreditNanos: credit_nanos })) };
  };

  const waitUntilVerified: TestMarketplace["waitUntilVerified"] = async (machineId, opts) => {
    const { timeout_ms = 20_000, quiet = true } = typeof opts === "number" ? { timeout_ms: opts } : (opts ?? {});
    const db = rt.database.db;
    const canaries = rt.env.VERIFICATION_ENABLED;
    const steady_ms = rt.env.CANARY_INTERVAL_S * 1000;
    const deadline = Date.now() + timeout_ms;
    for (;;) {
      const rows = await db
        .select({ id: offers.id, status: offers.verificationStatus, next: offers.nextCanaryAt, runs: sql<number>`(select count(*)::int from canary_runs cr where cr.offer_id = "offers"."id" and cr.at >= "offers"."last_registered_at")` })
        .from(offers)
        .where(and(eq(offers.machineId, machineId), eq(offers.status, "live")));
      const now = Date.now();
      // Quiet: the burst is over and the next canary is a steady one (not soon, and not a lease on one in flight).
      const isQuiet = (r: (typeof rows)[number]) => !canaries || (r.runs >= DEFAULT_VERIFICATION_CONFIG.burst_count && (r.next === null || (r.next.getTime() - now > 1_000 && r.next.getTime() - now < steady_ms * 1.2 + 1_000)));
      if (rows.length > 0 && rows.every((r) => r.status === "verified" && (!quiet || isQuiet(r)))) return;
      if (now > deadline) {
        const runs = rows.length ? await db.select({ ok: canaryRuns.ok, error: canaryRuns.error, identity: canaryRuns.identityMatch }).from(canaryRuns).where(inArray(canaryRuns.offerId, rows.map((r) => r.id))).orderBy(desc(canaryRuns.at)).limit(5) : [];
        throw new Error(`machine ${machineId} not verified${quiet ? " and quiet" : ""} after ${timeout_ms} ms: offers ${JSON.stringify(rows)}, latest canaries ${JSON.stringify(runs)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    server,
    baseUrl: server.url,
    waitUntilVerified,
    settled: () => rt.settlements!.flush(),
    async stripeIdle({ timeout_ms = 30_000 } = {}) {
      const deadline = Date.now() + timeout_ms;
      for (;;) {
        const pending = await rt.database.db
          .select({ id: stripeEvents.id, type: stripeEvents.type, attempts: stripeEvents.attempts, last_error: stripeEvents.lastError })
          .from(stripeEvents)
          .where(eq(stripeEvents.status, "received"))
          .limit(10);
        if (pending.length === 0) return;
        if (Date.now() > deadline) throw new Error(`Stripe events still unprocessed after ${timeout_ms} ms: ${JSON.stringify(pending)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async createBuyer(opts = {}) {
      const org = await newOrg("buyer", usdToNanos(opts.credit_usd ?? "10"));
      const key = await createApiKey(rt.services, { organizationId: org.organizationId, userId: org.userId, name: "test" });
      return { organizationId: org.organizationId, apiKey: key.secret, apiKeyId: key.id };
    },
    async createProvider() {
      const org = await newOrg("provider", 0n);
      const token = await createAgentToken(rt.services, { organizationId: org.organizationId, name: "test" });
      return { organizationId: org.organizationId, agentToken: token.token };
    },
    async startAgent(opts) {
      const model = opts.modelSeed === undefined ? await makeTinyModel(tinyModelPath()) : await makeTinyModel(join(tmpdir(), "spotlane-test-models", `spotlane-tiny-seed-${opts.modelSeed}.gguf`), { seed: opts.modelSeed });
      const engine = await createEmbeddedEngine({ modelPath: model.path, slots: opts.slots ?? 2, contextSize: 1024 });
      const agent = await runAgent({
        serverUrl: server.url,
        token: opts.agentToken,
        engine,
        modelId: opts.modelId ?? TINY_MODEL_ID,
        askUsdPerSecond: opts.askUsdPerSecond ?? "0.0001",
        name: opts.name ?? `agent-${agents.length}`,
        // Modest on purpose: canaries suspend an offer measured below half its claim, and an honest tiny-model
        // agent must stay above that even on a loaded 2-core box with several agents in one process.
        benchmark: opts.benchmark ?? { decode_tokens_per_second: 50, prefill_tokens_per_second: 200, ttft_ms: 20 },
        publicUrl: opts.publicUrl,
        port: opts.port,
        log: () => {},
      });
      agents.push(agent);
      if (opts.waitUntilVerified !== false) await waitUntilVerified(agent.machineId()!, { quiet: opts.quiet ?? true });
      return agent;
    },
    async close() {
      for (const a of agents) await a.drain(5_000);
      await server.close();
      await database.close();
    },
  };
}
