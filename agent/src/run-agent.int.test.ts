// The agent's operational behaviour against a real marketplace (PGlite), real llama.cpp on the
// tiny model and real HTTP: drain, a marketplace that is away, being forgotten, buyers that hang
// up and providers whose connections die mid-stream. Each test serves its own model id, so the
// agents of one test never take traffic meant for another.
import OpenAI from "openai";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, machines, offers, requests, reservations } from "../../db/schema";
import { usdToNanos } from "../../lib/money";
import { accountBalanceNanos } from "../../server/billing/balances";
import { eventData, SseSplitter } from "../../lib/wire/sse";
import { startTestMarketplace, tinyModelPath, type TestMarketplace } from "../../test/marketplace";
import { createTcpProxy, freePort } from "../../test/tcp-proxy";
import { makeTinyModel } from "../../test/tiny-model";
import { createEmbeddedEngine } from "./engine/embedded";
import type { Engine } from "./engine/types";
import { runAgent, type RunningAgent } from "./run-agent";

// 1 nano-USD per ms of slot time: any held millisecond costs something.
const ASK_USD = "0.001";
const PRICE_NANOS = 1_000_000n;
// ~1.3 s of generation on one thread of these CPUs (the tiny model never stops early).
const LONG_TOKENS = 1500;

let mp: TestMarketplace;
let modelPath: string;
let agentToken: string;
const agents: RunningAgent[] = [];

beforeAll(async () => {
  [mp, { path: modelPath }] = await Promise.all([startTestMarketplace("pglite", { verification: "trust" }), makeTinyModel(tinyModelPath())]);
  agentToken = (await mp.createProvider()).agentToken;
});
afterAll(async () => {
  for (const a of agents) await a.drain(2_000);
  await mp?.close();
});

const db = () => mp.server.runtime.database.db;

/** Polls `fn` until it returns something truthy; fails with `what` after `timeout_ms`. */
async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeout_ms = 5_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout_ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The real engine, counting the generations that reach it and how the last one ended. */
function observed(inner: Engine) {
  const stats = { generations: 0, last: null as null | "done" | "stopped", endedAt: 0 };
  const engine: Engine = {
    info: inner.info,
    capabilities: inner.capabilities,
    load: () => inner.load(),
    close: () => inner.close(),
    generate(req, signal) {
      const events = inner.generate(req, signal);
      return {
        async *[Symbol.asyncIterator]() {
          stats.generations++;
          stats.last = null;
          try {
            for await (const ev of events) {
              if (ev.type === "done") stats.last = "done";
              yield ev;
            }
          } finally {
            stats.last ??= "stopped";
            stats.endedAt = performance.now();
          }
        },
      };
    },
  };
  return { engine, stats };
}

type AgentSetup = { modelId: string; name: string; serverUrl?: string; port?: number; publicUrl?: string };

/** Starts a real agent; resolves `agent` once it has registered (it retries until the marketplace answers). */
async function launchAgent(opts: AgentSetup) {
  const inner = await createEmbeddedEngine({ modelPath, slots: 2, contextSize: 2048 });
  const { engine, stats } = observed(inner);
  const logs: { at: number; msg: string }[] = [];
  const agent = runAgent({
    serverUrl: opts.serverUrl ?? mp.baseUrl,
    token: agentToken,
    engine,
    modelId: opts.modelId,
    askUsdPerSecond: ASK_USD,
    name: opts.name,
    port: opts.port,
    publicUrl: opts.publicUrl,
    benchmark: { decode_tokens_per_second: 500, prefill_tokens_per_second: 2000, ttft_ms: 20 },
    log: (msg) => logs.push({ at: performance.now(), msg }),
  }).then((a) => {
    agents.push(a);
    return a;
  });
  return { agent, engine: inner, stats, logs };
}

async function startAgent(opts: AgentSetup) {
  const launched = await launchAgent(opts);
  return { ...launched, agent: await launched.agent };
}

const machineRow = async (id: string) => (await db().select().from(machines).where(eq(machines.id, id)))[0];
const requestRow = async (id: string) => {
  await mp.settled();
  return (await db().select().from(requests).where(eq(requests.id, id)))[0];
};

function openai(apiKey: string) {
  return new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey, maxRetries: 0 });
}

/** Settlement invariants for one request: fee split, a zero-sum journal entry, no hold left, balance = credit − cost. */
async function expectSettledAndBalanced(requestId: string, buyer: { organizationId: string }, credit_usd: string) {
  const row = (await requestRow(requestId))!;
  expect(row.providerEarningsNanos + row.platformFeeNanos).toBe(row.costNanos);
  const lines = await db()
    .select({ amount: ledgerLines.amountNanos })
    .from(ledgerLines)
    .innerJoin(journalEntries, eq(ledgerLines.journalEntryId, journalEntries.id))
    .where(eq(journalEntries.requestId, requestId));
  expect(lines.reduce((s, l) => s + l.amount, 0n)).toBe(0n);
  expect(await db().select().from(journalEntries).where(eq(journalEntries.requestId, requestId))).toHaveLength(1);
  expect(await db().select().from(reservations).where(eq(reservations.organizationId, buyer.organizationId))).toEqual([]);
  expect(await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId)).toBe(usdToNanos(credit_usd) - row.costNanos);
  return row;
}

/** A streaming chat completion read as raw SSE, so the test sees exactly what goes over the wire ([DONE] included). */
async function openRawStream(apiKey: string, model: string, max_tokens: number) {
  const res = await fetch(`${mp.baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Tell me a long story" }], max_tokens, temperature: 0, stream: true, stream_options: { include_usage: true } }),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const splitter = new SseSplitter();
  const pending: string[] = [];
  const next = async (): Promise<string | null> => {
    while (pending.length === 0) {
      const { value, done } = await reader.read();
      if (done) return null;
      for (const ev of splitter.push(value)) {
        const data = eventData(ev);
        if (data !== null) pending.push(data);
      }
    }
    return pending.shift()!;
  };
  const rest = async () => {
    const out: string[] = [];
    for (let d = await next(); d !== null; d = await next()) out.push(d);
    return out;
  };
  return { requestId: res.headers.get("x-spotlane-request-id")!, next, rest };
}

describe("spotlane-agent operations (real llama.cpp, real HTTP, PGlite marketplace)", () => {
  it("drain finishes the in-flight stream, routes nothing new to the machine, then goes offline", async () => {
    const modelId = "drain-tiny:f32";
    const { agent, stats } = await startAgent({ modelId, name: "drain" });
    const machineId = agent.machineId()!;
    const buyer = await mp.createBuyer({ credit_usd: "10" });

    const stream = await openRawStream(buyer.apiKey, modelId, LONG_TOKENS);
    expect(JSON.parse((await stream.next())!).choices[0].delta.role).toBe("assistant");
    const drainCalledAt = performance.now();
    let drainedAt = 0;
    const drained = agent.drain().then(() => void (drainedAt = performance.now()));

    // The marketplace learns first and stops routing: a new request finds no provider (503), and
    // never reaches the agent (its engine saw one generation only).
    await waitFor("machine draining", async () => (await machineRow(machineId))?.status === "draining");
    await expect(openai(buyer.apiKey).chat.completions.create({ model: modelId, messages: [{ role: "user", content: "hi" }], max_tokens: 4 })).rejects.toMatchObject({
      status: 503,
      code: "no_provider_available",
    });

    const events = await stream.rest();
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "length")).toBe(true);
    expect(chunks.at(-1).usage).toMatchObject({ completion_tokens: LONG_TOKENS, cost_nanos: expect.stringMatching(/^[1-9]\d*$/) });
    await drained;

    // The generation was running when drain began and drain returned only after it finished.
    expect(stats.generations).toBe(1);
    expect(stats.last).toBe("done");
    expect(stats.endedAt).toBeGreaterThan(drainCalledAt);
    expect(drainedAt).toBeGreaterThan(stats.endedAt);
    expect(await requestRow(stream.requestId)).toMatchObject({ status: "completed", completionTokens: LONG_TOKENS, machineId });
    await expectSettledAndBalanced(stream.requestId, buyer, "10");
    // drain() returns after its heartbeat loop has ended, so no late "draining" heartbeat can follow the offline notice.
    expect((await machineRow(machineId))!.status).toBe("offline");
  });

  it("drain past its deadline cuts the stream: the buyer gets an error event and is not charged", async () => {
    const modelId = "drain-deadline-tiny:f32";
    const { agent, engine, stats } = await startAgent({ modelId, name: "drain-deadline" });
    const buyer = await mp.createBuyer({ credit_usd: "10" });
    const { data: stream, response } = await openai(buyer.apiKey)
      .chat.completions.create({ model: modelId, messages: [{ role: "user", content: "long" }], max_tokens: 1900, temperature: 0, stream: true })
      .withResponse();
    const requestId = response.headers.get("x-spotlane-request-id")!;
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    expect(engine.load().active_slots).toBe(1);

    const t0 = performance.now();
    await agent.drain(200);
    // Bounded by the deadline (plus shutdown), not by the ~1.7 s generation, which was cut short.
    expect(performance.now() - t0).toBeLessThan(1_500);
    expect(stats.last).toBe("stopped");
    await expect((async () => {
      for (let r = await it.next(); !r.done; r = await it.next());
    })()).rejects.toMatchObject({ code: "provider_stream_failed" });
    const row = await waitFor("request settled", () => requestRow(requestId));
    expect(row).toMatchObject({ status: "failed", costNanos: 0n });
    await expectSettledAndBalanced(requestId, buyer, "10");
  });

  it("retries registration with backoff until the marketplace is up, keeps serving while it is away, then heartbeats again", async () => {
    const modelId = "away-tiny:f32";
    // The agent reaches the marketplace only through this proxy; buyers reach it directly.
    const proxy = await createTcpProxy({ port: mp.server.port }, { listen: false });
    const launched = await launchAgent({ modelId, name: "away", serverUrl: proxy.url });
    const failures = () => launched.logs.filter((l) => l.msg.startsWith("marketplace unreachable"));
    await waitFor("two failed registrations", () => failures().length >= 2);
    await proxy.start();
    const agent = await launched.agent;
    const registeredAt = launched.logs.find((l) => l.msg.startsWith("registered machine"))!.at;
    const [f1, f2] = failures();
    // Exponential backoff: 500 ms, then 1 s.
    expect(f2!.at - f1!.at).toBeGreaterThanOrEqual(450);
    expect(registeredAt - f2!.at).toBeGreaterThanOrEqual(950);
    const machineId = agent.machineId()!;
    expect(await machineRow(machineId)).toMatchObject({ status: "online", endpointUrl: agent.url });

    const buyer = await mp.createBuyer({ credit_usd: "10" });
    const client = openai(buyer.apiKey);

    // The marketplace goes away (from the agent's side): heartbeats fail …
    await proxy.stop();
    const stoppedAt = performance.now();
    await waitFor("a failed heartbeat", () => launched.logs.some((l) => l.at > stoppedAt && l.msg.startsWith("heartbeat failed")), 5_000);
    // … and the agent keeps serving what it is sent.
    const { data: s, response } = await client.chat.completions
      .create({ model: modelId, messages: [{ role: "user", content: "still there?" }], max_tokens: 64, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of s) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBe(64);
    const requestId = response.headers.get("x-spotlane-request-id")!;
    expect(await requestRow(requestId)).toMatchObject({ status: "completed", machineId });
    await expectSettledAndBalanced(requestId, buyer, "10");

    // Back: the next retry lands and the machine is fresh and online again.
    const before = (await machineRow(machineId))!.lastHeartbeatAt;
    await proxy.start();
    const backAt = new Date();
    const row = await waitFor("a heartbeat after the marketplace came back", async () => {
      const m = await machineRow(machineId);
      return m && m.lastHeartbeatAt > backAt && m.lastHeartbeatAt > before ? m : null;
    }, 8_000);
    expect(row.status).toBe("online");
    expect(agent.machineId()).toBe(machineId);
    await agent.drain();
    await proxy.stop();
  });

  it("registers again when the marketplace forgets the machine, and keeps serving", async () => {
    const modelId = "forgotten-tiny:f32";
    const { agent } = await startAgent({ modelId, name: "forgotten" });
    const first = agent.machineId()!;
    await db().delete(machines).where(eq(machines.id, first)); // offers go with it (cascade)

    // The next heartbeat is answered 404; the agent registers again under the same name.
    const second = await waitFor("re-registration", () => (agent.machineId() !== first ? agent.machineId() : null), 6_000);
    expect(await machineRow(second)).toMatchObject({ status: "online", name: "forgotten", endpointUrl: agent.url });
    expect(await db().select({ status: offers.status }).from(offers).where(and(eq(offers.machineId, second), eq(offers.modelId, modelId)))).toEqual([{ status: "live" }]);

    const buyer = await mp.createBuyer({ credit_usd: "10" });
    const { data, response } = await openai(buyer.apiKey).chat.completions.create({ model: modelId, messages: [{ role: "user", content: "hello again" }], max_tokens: 8 }).withResponse();
    expect(data.usage!.completion_tokens).toBe(8);
    // Served by the new registration (its rotated secret signs the dispatch).
    expect(response.headers.get("x-spotlane-provider")).toBe(second);
    await expectSettledAndBalanced(response.headers.get("x-spotlane-request-id")!, buyer, "10");
  });

  it("frees the slot promptly when a streaming buyer hangs up, and bills the time held", async () => {
    const modelId = "hangup-tiny:f32";
    const { engine, stats } = await startAgent({ modelId, name: "hangup" });
    const buyer = await mp.createBuyer({ credit_usd: "10" });
    const { data: stream, response } = await openai(buyer.apiKey)
      .chat.completions.create({ model: modelId, messages: [{ role: "user", content: "go on" }], max_tokens: LONG_TOKENS, temperature: 0, stream: true })
      .withResponse();
    const requestId = response.headers.get("x-spotlane-request-id")!;
    let n = 0;
    for await (const _ of stream) {
      if (++n === 3) {
        expect(engine.load().active_slots).toBe(1);
        break; // the openai client aborts the HTTP request
      }
    }
    const hungUpAt = performance.now();
    await waitFor("slot freed", () => engine.load().active_slots === 0, 1_000);
    expect(performance.now() - hungUpAt).toBeLessThan(1_000);
    expect(stats.last).toBe("stopped"); // cut short, not run to max_tokens

    const row = await waitFor("request settled", () => requestRow(requestId));
    expect(row).toMatchObject({ status: "aborted", errorCode: "client_disconnected", priceNanosPerSecond: PRICE_NANOS });
    expect(row.costNanos).toBeGreaterThan(0n);
    // Billed (server/billing/meter.ts): the time held until the hang-up, never past the quote for what streamed.
    expect(row.billedMs).toBeGreaterThan(0);
    expect(row.billedMs).toBeLessThanOrEqual(Math.min(row.computeMs, row.quoteMs!));
    expect(row.costNanos).toBe((PRICE_NANOS * BigInt(row.billedMs) + 500n) / 1000n);
    await expectSettledAndBalanced(requestId, buyer, "10");
  });

  it("a provider whose connection dies mid-stream: OpenAI error event, request failed, nothing charged", async () => {
    const modelId = "dies-tiny:f32";
    // The marketplace dispatches to the agent through a proxy whose connections the test kills.
    const port = await freePort();
    const link = await createTcpProxy({ port });
    const { engine } = await startAgent({ modelId, name: "dies", port, publicUrl: link.url });
    const buyer = await mp.createBuyer({ credit_usd: "10" });
    const { data: stream, response } = await openai(buyer.apiKey)
      .chat.completions.create({ model: modelId, messages: [{ role: "user", content: "go on" }], max_tokens: LONG_TOKENS, temperature: 0, stream: true })
      .withResponse();
    const requestId = response.headers.get("x-spotlane-request-id")!;
    let n = 0;
    const consumed = (async () => {
      for await (const _ of stream) if (++n === 3) link.cut();
    })();
    const err = await consumed.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({ code: "provider_stream_failed", type: "server_error", message: expect.stringContaining("not charged") });
    expect(n).toBeLessThan(LONG_TOKENS);

    const row = await waitFor("request settled", () => requestRow(requestId));
    expect(row).toMatchObject({ status: "failed", errorCode: "provider_stream_failed", costNanos: 0n, providerEarningsNanos: 0n, platformFeeNanos: 0n });
    await expectSettledAndBalanced(requestId, buyer, "10");
    // The agent saw its caller vanish and gave the slot back.
    await waitFor("slot freed", () => engine.load().active_slots === 0, 1_000);
    await link.stop();
  });

  it("leaves the whole ledger balanced", async () => {
    await mp.settled();
    const [total] = await db().select({ sum: sql<string>`coalesce(sum(${ledgerLines.amountNanos}),0)::text` }).from(ledgerLines);
    expect(total!.sum).toBe("0");
  });
});
