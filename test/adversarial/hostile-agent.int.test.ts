// A verified but malicious provider (issue 8, "Then go looking"): registered through the real agent
// API in trust mode so it is routable at once, then misbehaving on buyer traffic: lying about slots
// and speed, slow-loris streams, a huge non-streamed body, one endless SSE event, malformed events,
// dying mid-stream. Whatever it does: the buyer is never charged past the quote or the hold, never
// charged for a failed answer, never below zero; the gateway keeps answering others quickly and its
// memory does not balloon.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requests } from "../../db/schema";
import { requestCostNanos } from "../../lib/money";
import { DB_KINDS } from "../database";
import { startHostileAgent, type HostileAgent, type HostileBehaviour } from "../hostile-agent";
import { startTestMarketplace, type TestMarketplace } from "../marketplace";
import { rawRequest, sseErrors, type RawAnswer } from "./http";
import { expectIdleMoneyInvariants, expectWellFormedAnswer } from "./money-invariants";

const MODEL_OK = "healthy-model:q4_k_m";
const MODEL_BAD = "hostile-model:q4_k_m";
const MODEL_SLOTS = "slot-liar-model:q4_k_m";
const ASK_NANOS_PER_SECOND = 1_000_000n; // $0.001 per slot-second
/** What the gateway must answer others within while a hostile provider misbehaves. */
const RESPONSIVE_MS = 1_000;
const MB = 1024 * 1024;

type Buyer = { apiKey: string; organizationId: string };

describe.each(DB_KINDS)("a hostile provider on %s", (kind) => {
  let mp: TestMarketplace;
  let healthy: HostileAgent;
  let hostile: HostileAgent;
  let slotLiar: HostileAgent;
  let prober: Buyer;
  const buyers: string[] = [];

  beforeAll(async () => {
    mp = await startTestMarketplace(kind, { verification: "trust" });
    const token = (await mp.createProvider()).agentToken;
    const start = (modelId: string, extra: Partial<Parameters<typeof startHostileAgent>[0]> = {}) =>
      startHostileAgent({ marketplaceUrl: mp.baseUrl, agentToken: token, modelId, askNanosPerSecond: ASK_NANOS_PER_SECOND, slots: 4, ...extra });
    healthy = await start(MODEL_OK, { name: "healthy" });
    // Claims to be fast: its quote for a short answer is a few tens of milliseconds.
    hostile = await start(MODEL_BAD, { name: "hostile", slots: 8, benchmark: { decode_tokens_per_second: 1000, prefill_tokens_per_second: 10_000, ttft_ms: 5 } });
    // Claims 8 slots and ~30 tokens/s per slot, serves one request at a time at that speed.
    slotLiar = await start(MODEL_SLOTS, { name: "slot-liar", slots: 8, realConcurrency: 1, benchmark: { decode_tokens_per_second: 30, prefill_tokens_per_second: 1000, ttft_ms: 20 }, behaviour: { kind: "honest", delay_ms: 300 } });
    prober = await newBuyer("10");
    for (const model of [MODEL_OK, MODEL_BAD, MODEL_SLOTS]) await waitRoutable(model);
  }, 120_000);
  afterAll(async () => {
    for (const a of [healthy, hostile, slotLiar]) await a?.close();
    await mp?.close();
  });

  const db = () => mp.server.runtime.database.db;
  async function newBuyer(credit_usd: string): Promise<Buyer> {
    const b = await mp.createBuyer({ credit_usd });
    buyers.push(b.organizationId);
    return b;
  }
  const chat = (buyer: Buyer, model: string, opts: { stream?: boolean; max_tokens?: number; timeout_ms?: number } = {}) =>
    rawRequest(mp.baseUrl, {
      method: "POST",
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${buyer.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: opts.max_tokens ?? 8, stream: opts.stream ?? false }),
      timeout_ms: opts.timeout_ms ?? 60_000,
    });
  async function waitRoutable(model: string) {
    for (const deadline = Date.now() + 15_000; ; ) {
      hostile.setBehaviour({ kind: "honest" });
      const r = await chat(prober, model);
      if (r.status === 200) return;
      if (Date.now() > deadline) throw new Error(`${model} never became routable: ${r.status} ${r.text}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /**
   * Runs `work` while probing the gateway every 100 ms with GET /v1/models and a request to the
   * healthy provider; samples RSS meanwhile. Returns work's result, the slowest probe and RSS growth.
   */
  async function whileProbing<T>(work: () => Promise<T>): Promise<{ result: T; slowest_probe_ms: number; probes: number; rss_growth_mb: number }> {
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    let done = false;
    let slowest = 0;
    let probes = 0;
    const probing = (async () => {
      await new Promise((r) => setTimeout(r, 50));
      while (!done) {
        const [models, ok] = await Promise.all([
          rawRequest(mp.baseUrl, { path: "/v1/models", headers: { authorization: `Bearer ${prober.apiKey}` }, timeout_ms: 30_000 }),
          chat(prober, MODEL_OK, { timeout_ms: 30_000 }),
        ]);
        expect(models.status).toBe(200);
        expect(ok.status, ok.text).toBe(200);
        slowest = Math.max(slowest, models.elapsed_ms, ok.elapsed_ms);
        probes++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const result = await work();
      return { result, slowest_probe_ms: Math.round(slowest), probes, rss_growth_mb: Math.round((peak - rss0) / MB) };
    } finally {
      done = true;
      clearInterval(sampler);
      await probing;
    }
  }

  async function rowsOf(buyer: Buyer) {
    await mp.settled();
    return db().select().from(requests).where(and(eq(requests.organizationId, buyer.organizationId)));
  }

  /** A failed answer: the buyer saw an error (status or final SSE error event) and was charged nothing. */
  async function expectFailedAndFree(buyer: Buyer, r: RawAnswer, label: string) {
    const midStream = r.status === 200 ? sseErrors(r.text) : [];
    if (r.status === 200) expect(midStream.length, `${label}: a broken stream ends with an error event`).toBeGreaterThan(0);
    else expectWellFormedAnswer(r, label, { allow502: true });
    for (const e of midStream) expectWellFormedAnswer({ ...e, status: 400 }, `${label} (mid-stream)`);
    const rows = await rowsOf(buyer);
    for (const row of rows) {
      expect(row.status, `${label}: request status`).not.toBe("completed");
      expect(row.costNanos, `${label}: never charged for a failed answer`).toBe(0n);
    }
  }

  /** A completed answer: billed no more than the quote (and so the hold), cost = price × billed time. */
  async function expectBilledWithinQuote(buyer: Buyer, label: string, max_billed_ms: number) {
    const rows = await rowsOf(buyer);
    expect(rows.length, `${label}: settled`).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.quoteMs, `${label}: a quote was recorded`).not.toBeNull();
      expect(row.billedMs, `${label}: billed ≤ quote (compute ${row.computeMs} ms)`).toBeLessThanOrEqual(row.quoteMs ?? 0);
      expect(row.billedMs, `${label}: billed ≤ measured`).toBeLessThanOrEqual(row.computeMs);
      expect(row.billedMs, `${label}: billed time of a short answer from a provider claiming its speed (compute ${row.computeMs} ms)`).toBeLessThanOrEqual(max_billed_ms);
      expect(row.costNanos, `${label}: cost = price × billed_ms`).toBe(requestCostNanos(row.priceNanosPerSecond, row.billedMs));
      expect(row.costNanos, `${label}: cost never above price × quote`).toBeLessThanOrEqual(requestCostNanos(row.priceNanosPerSecond, row.quoteMs ?? 0));
    }
  }

  async function misbehave(b: HostileBehaviour, stream: boolean, credit_usd = "1") {
    hostile.setBehaviour(b);
    const buyer = await newBuyer(credit_usd);
    const probed = await whileProbing(() => chat(buyer, MODEL_BAD, { stream }));
    hostile.setBehaviour({ kind: "honest" });
    return { buyer, ...probed };
  }

  it("a 96 MB non-streamed body: refused without buffering it, not charged, others still served", async () => {
    const { buyer, result, slowest_probe_ms, rss_growth_mb } = await misbehave({ kind: "oversized-json", bytes: 96 * MB }, false);
    await expectFailedAndFree(buyer, result, "96 MB body");
    expect(slowest_probe_ms, "slowest probe while the body arrived").toBeLessThan(RESPONSIVE_MS);
    expect(rss_growth_mb, "gateway RSS growth while relaying a 96 MB answer (MB)").toBeLessThan(48);
  });

  it("one 20 MB SSE event without a blank line: cut off, not charged, others still served", async () => {
    const { buyer, result, slowest_probe_ms, probes, rss_growth_mb } = await misbehave({ kind: "huge-event", bytes: 20 * MB }, true);
    await expectFailedAndFree(buyer, result, "20 MB event");
    // A gateway that cuts the event off at once leaves no time for probes; one that chews on it must still answer them.
    if (result.elapsed_ms > 500) expect(probes, "probes completed while the event streamed").toBeGreaterThanOrEqual(1);
    expect(slowest_probe_ms, "slowest probe while the event streamed").toBeLessThan(RESPONSIVE_MS);
    expect(result.elapsed_ms, "time to end the buyer's stream").toBeLessThan(10_000);
    expect(rss_growth_mb, "gateway RSS growth (MB)").toBeLessThan(64);
  });

  it("slow-loris stream (a byte a second for 5 s, then done): billed within the quote, never below zero", async () => {
    // $0.003: covers the minimum hold (2 s at $0.001) but not 5 s of dribbling at the measured time.
    const { buyer, result, slowest_probe_ms } = await misbehave({ kind: "slow-loris", byte_every_ms: 1_000, total_ms: 5_000, finish: true }, true, "0.003");
    expect(result.status).toBe(200);
    expect(slowest_probe_ms).toBeLessThan(RESPONSIVE_MS);
    await expectBilledWithinQuote(buyer, "slow-loris stream", 1_000);
  });

  it("slow-loris JSON body (a byte a second for 5 s, then done): billed within the quote", async () => {
    const { buyer, result, slowest_probe_ms } = await misbehave({ kind: "slow-loris", byte_every_ms: 1_000, total_ms: 5_000, finish: true }, false, "0.003");
    expect([200, 502]).toContain(result.status);
    expect(slowest_probe_ms).toBeLessThan(RESPONSIVE_MS);
    if (result.status === 200) await expectBilledWithinQuote(buyer, "slow-loris JSON", 1_000);
    else await expectFailedAndFree(buyer, result, "slow-loris JSON");
  });

  it("the buyer hangs up on a slow-loris stream after 1.5 s: billed no more than the quote for what it asked", async () => {
    hostile.setBehaviour({ kind: "slow-loris", byte_every_ms: 200, total_ms: 6_000, finish: true });
    const buyer = await newBuyer("1");
    const r = await rawRequest(mp.baseUrl, {
      method: "POST",
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${buyer.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL_BAD, messages: [{ role: "user", content: "hello" }], max_tokens: 8, stream: true }),
      hang_up_after_ms: 1_500,
    });
    hostile.setBehaviour({ kind: "honest" });
    expect(r.status).toBe(0);
    // The gateway ends the request when its buyer leaves (not when the provider finally finishes, 4.5 s later).
    let rows = await rowsOf(buyer);
    for (const deadline = Date.now() + 2_000; rows.length === 0 && Date.now() < deadline; rows = await rowsOf(buyer)) await new Promise((res) => setTimeout(res, 50));
    expect(rows, "settled within 2 s of the hang-up").toHaveLength(1);
    expect(rows[0]!.status).toBe("aborted");
    expect(rows[0]!.billedMs, `billed ≤ quote (compute ${rows[0]!.computeMs} ms)`).toBeLessThanOrEqual(rows[0]!.quoteMs ?? 0);
    expect(rows[0]!.costNanos).toBe(requestCostNanos(rows[0]!.priceNanosPerSecond, rows[0]!.billedMs));
  });

  it("lies about speed (claims 1000 tokens/s, takes 3 s): billed within the quote", async () => {
    const { buyer, result } = await misbehave({ kind: "honest", delay_ms: 3_000 }, false);
    expect(result.status).toBe(200);
    await expectBilledWithinQuote(buyer, "3 s for 8 tokens", 1_000);
  });

  it("lies about speed and usage (1e6 tokens reported for max_tokens 8, agent time 1e8 ms): billed within a quote of what was asked", async () => {
    const { buyer, result } = await misbehave({ kind: "honest", delay_ms: 3_000, usage: { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 }, agent_ms_header: "100000000" }, false);
    expect(result.status).toBe(200);
    await expectBilledWithinQuote(buyer, "inflated usage", 1_000);
  });

  it("lies about slots (claims 8, serves 1 at a time): nobody pays for the queue", async () => {
    const buyer = await newBuyer("1");
    const results = await Promise.all(Array.from({ length: 8 }, () => chat(buyer, MODEL_SLOTS)));
    for (const r of results) expect(r.status, r.text).toBe(200);
    // Each answer takes ~300 ms of work; the last waited ~2.1 s in the provider's queue first.
    await expectBilledWithinQuote(buyer, "queued behind a slot liar", 700);
  });

  it("malformed events (bad JSON, usage of 1e20 tokens, broken UTF-8): no 5xx, settled, counts in range", async () => {
    const { buyer, result } = await misbehave({ kind: "malformed-events" }, true);
    expect(result.status).toBe(200);
    for (const e of sseErrors(result.text)) expectWellFormedAnswer({ ...e, status: 400 }, "malformed events (mid-stream)");
    const rows = await rowsOf(buyer);
    expect(rows, "the request was settled, not dead-lettered").toHaveLength(1);
    for (const row of rows) {
      expect(row.promptTokens).toBeGreaterThanOrEqual(0);
      expect(row.completionTokens).toBeGreaterThanOrEqual(0);
      expect(row.completionTokens).toBeLessThan(2 ** 31);
      if (row.status === "completed") expect(row.billedMs).toBeLessThanOrEqual(row.quoteMs ?? 0);
      else expect(row.costNanos).toBe(0n);
    }
  });

  it("dies mid-stream: the buyer gets an error event and pays nothing", async () => {
    const { buyer, result } = await misbehave({ kind: "die-mid-stream", after_chunks: 3 }, true);
    await expectFailedAndFree(buyer, result, "died mid-stream");
  });

  it("dies mid-body (non-streamed): an error, and nothing charged", async () => {
    const { buyer, result } = await misbehave({ kind: "die-mid-stream" }, false);
    await expectFailedAndFree(buyer, result, "died mid-body");
  });

  it("hangs up before any header: a deliberate 503, nothing charged", async () => {
    const { buyer, result } = await misbehave({ kind: "hang-up" }, false);
    expectWellFormedAnswer(result, "hang-up", { allow502: true });
    expect(result.status).toBeGreaterThanOrEqual(500);
    await expectFailedAndFree(buyer, result, "hang-up");
  });

  it("afterwards: no hold left behind, the ledger balanced, no balance below zero", async () => {
    expect(hostile.refused + healthy.refused + slotLiar.refused, "requests with a bad signature").toBe(0);
    await expectIdleMoneyInvariants(mp, [prober.organizationId, ...buyers]);
  });
});
