import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import OpenAI from "openai";
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedEngine } from "../../agent/src/engine/embedded";
import { runAgent, type RunningAgent } from "../../agent/src/run-agent";
import { journalEntries, ledgerLines, requests, reservations, users } from "../../db/schema";
import { newId } from "../../lib/ids";
import { usdToNanos } from "../../lib/money";
import { createTestDatabase } from "../../test/database";
import { tinyModelPath } from "../../test/marketplace";
import { freePort } from "../../test/tcp-proxy";
import { makeTinyModel } from "../../test/tiny-model";
import { createOrganizationForUser } from "../auth/create-organization";
import { createApiKey } from "../buyers/create-api-key";
import type { ServiceContext } from "../context";
import { createAgentToken } from "../providers/create-agent-token";
import { accountBalanceNanos } from "./balances";

const MODEL = "crash-tiny:f32";

/** `kill -9` of the server under load, then a restart: no completed request lost, none counted twice. */
describe("settlement survives kill -9 of the server (PostgreSQL)", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;
  let agent: RunningAgent | null = null;
  let child: ChildProcess | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), "spotlane-crash-"));

  async function startServerProcess(port: number): Promise<{ proc: ChildProcess; url: string }> {
    const proc = spawn(process.execPath, ["--import", "tsx", "test/serve-process.ts"], {
      env: { ...process.env, DATABASE_URL: database.url!, DATA_DIR: dataDir, INSTANCE_ID: "crash", SETTLEMENT_FLUSH_INTERVAL_MS: "60000", VERIFICATION_ENABLED: "false", PORT: String(port), SPOTLANE_DEMO: "false", LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((ok, fail) => {
      createInterface({ input: proc.stdout }).once("line", ok);
      proc.once("exit", (code) => fail(new Error(`server exited with ${code}`)));
    });
    return { proc, url: (JSON.parse(line) as { url: string }).url };
  }

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 0n };
  });
  afterAll(async () => {
    await agent?.drain(2_000).catch(() => {});
    child?.kill("SIGKILL");
    await database.close();
  });

  it("replays the write-ahead log so every request the client saw complete is settled exactly once", async () => {
    const org = async (name: string, credit: bigint) => {
      const userId = newId("user");
      await database.db.insert(users).values({ id: userId, name, email: `${userId}@test.local` });
      return { userId, ...(await createOrganizationForUser(database.db, { userId, name, roles: "admin", testCreditNanos: credit })) };
    };
    const buyer = await org("buyer", usdToNanos("10"));
    const key = await createApiKey(ctx, { organizationId: buyer.organizationId, userId: buyer.userId, name: "crash" });
    const provider = await org("provider", 0n);
    const token = await createAgentToken(ctx, { organizationId: provider.organizationId, name: "crash" });

    const port = await freePort();
    const first = await startServerProcess(port);
    child = first.proc;
    const model = await makeTinyModel(tinyModelPath());
    agent = await runAgent({
      serverUrl: first.url,
      token: token.token,
      engine: await createEmbeddedEngine({ modelPath: model.path, slots: 4, contextSize: 512 }),
      modelId: MODEL,
      askUsdPerSecond: "0.001",
      benchmark: { decode_tokens_per_second: 500, prefill_tokens_per_second: 2000, ttft_ms: 5 },
      log: () => {},
    });
    const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: key.secret, maxRetries: 0 });

    // Load: a steady stream of requests; the client records the ones whose answer it fully received.
    const completed = new Set<string>();
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          if ((w + i) % 2 === 0) {
            const { response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `w${w} ${i}` }], max_tokens: 6 }).withResponse();
            completed.add(response.headers.get("x-spotlane-request-id")!);
          } else {
            const { data: stream, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `s${w} ${i}` }], max_tokens: 6, stream: true }).withResponse();
            for await (const _ of stream) void _;
            completed.add(response.headers.get("x-spotlane-request-id")!);
          }
        } catch (err) {
          if (!stop) console.error("worker error", err);
          return; // the server died under us
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    const started_ms = Date.now();
    while (completed.size < 40 && Date.now() - started_ms < 20_000) await new Promise((r) => setTimeout(r, 10));
    expect(completed.size).toBeGreaterThanOrEqual(40);
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGKILL");
    stop = true;
    await Promise.all(workers);
    await exited;
    const seen = [...completed];
    // With a one-minute flush interval nothing was flushed before the kill: all of it lives only in the log.
    expect(await database.db.select({ id: requests.id }).from(requests).where(inArray(requests.id, seen))).toEqual([]);

    // Restart on the same data dir and instance id: recovery runs before the server takes traffic.
    const second = await startServerProcess(port);
    child = second.proc;

    const rows = await database.db.select().from(requests).where(inArray(requests.id, seen));
    expect(rows.map((r) => r.id).sort()).toEqual(seen.sort());
    const perRequest = await database.db
      .select({ requestId: journalEntries.requestId, n: sql<number>`count(*)::int` })
      .from(journalEntries)
      .where(inArray(journalEntries.requestId, seen))
      .groupBy(journalEntries.requestId);
    expect(perRequest).toHaveLength(seen.length);
    expect(perRequest.every((r) => r.n === 1)).toBe(true);
    const [total] = await database.db.select({ sum: sql<string>`coalesce(sum(${ledgerLines.amountNanos}),0)::text` }).from(ledgerLines);
    expect(total!.sum).toBe("0");
    const all = await database.db.select().from(requests).where(eq(requests.organizationId, buyer.organizationId));
    expect(await accountBalanceNanos(database.db, "buyer_balance", buyer.organizationId)).toBe(usdToNanos("10") - all.reduce((s, r) => s + r.costNanos, 0n));
    // No settled request keeps a hold; only requests cut off by the crash may still hold (until they lapse).
    expect(await database.db.select().from(reservations).where(inArray(reservations.requestId, all.map((r) => r.id)))).toEqual([]);
  });
});
