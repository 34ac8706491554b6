// The llama-server and vLLM adapters against in-repo servers that speak those APIs exactly,
// wrapping the embedded engine on the tiny model: readiness, slots, load from the engines' own
// metrics, streaming generation (chat and completions), usage, aborts and refusals.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlamaServer } from "../../../test/fake-engines/llama-server";
import { startFakeVllm } from "../../../test/fake-engines/vllm";
import { freePort } from "../../../test/tcp-proxy";
import { makeTinyModel } from "../../../test/tiny-model";
import { createEmbeddedEngine } from "./embedded";
import { connectLlamaServer } from "./llama-server";
import { EngineRequestError, type Engine, type EngineEvent, type GenerateRequest } from "./types";
import { connectVllm } from "./vllm";

let dir: string;
let inner: Engine;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "spotlane-ext-engines-"));
  // The file name carries the quantization, as real GGUF names do: llama-server reports only the path.
  const { path } = await makeTinyModel(join(dir, "spotlane-tiny-F32.gguf"));
  inner = await createEmbeddedEngine({ modelPath: path, slots: 2, contextSize: 1024 });
});
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await inner?.close();
  await rm(dir, { recursive: true, force: true });
});

async function collect(engine: Engine, req: GenerateRequest, signal = new AbortController().signal) {
  let text = "";
  let done: Extract<EngineEvent, { type: "done" }> | undefined;
  for await (const ev of engine.generate(req, signal)) {
    if (ev.type === "delta") text += ev.text;
    else if (ev.type === "done") done = ev;
  }
  return { text, done: done! };
}

async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeout_ms = 5_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const chat = (content: string, max_tokens: number): GenerateRequest => ({ messages: [{ role: "user", content }], max_tokens, temperature: 0 });

/** Holds `n` generations open directly on the fake (as other clients of the same engine would). */
async function holdDirect(url: string, n: number, body: (i: number) => Record<string, unknown>) {
  const aborts = Array.from({ length: n }, () => new AbortController());
  const done = aborts.map((a, i) =>
    fetch(`${url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body(i)), signal: a.signal })
      .then((r) => r.text())
      .catch(() => ""),
  );
  return { release: async () => (aborts.forEach((a) => a.abort()), await Promise.all(done)) };
}

describe("llama-server adapter", () => {
  it("waits out 'Loading model', reads slots/context/build from /props, and generates exactly what the engine generates", async () => {
    const fake = await startFakeLlamaServer({ engine: inner, loading_ms: 400, metrics: true });
    closers.push(fake.close);
    const waiting: string[] = [];
    const engine = await connectLlamaServer({ url: fake.url, pollInterval_ms: 50, log: (m) => waiting.push(m) });
    closers.push(() => engine.close());
    expect(waiting.join("\n")).toContain("Loading model");
    expect(engine.info).toMatchObject({ engine: "llama-server", engine_version: "llama-server b6123-79c1160b", slots: 2, context_size: 1024, quantization: "f32" });

    const direct = await collect(inner, chat("what is the spot price?", 24));
    const viaServer = await collect(engine, chat("what is the spot price?", 24));
    expect(viaServer.text).toBe(direct.text);
    expect({ ...viaServer.done, served_ms: 0 }).toEqual({ ...direct.done, served_ms: 0 });
    // llama-server's own timings (prompt_ms + predicted_ms): never more than the request's wall time here.
    expect(viaServer.done.served_ms).toBeGreaterThanOrEqual(0);

    const completion = await collect(engine, { prompt: "The market", max_tokens: 16, temperature: 0 });
    expect(completion.done).toEqual({ type: "done", finish_reason: "length", usage: { prompt_tokens: expect.any(Number), completion_tokens: 16 }, served_ms: expect.any(Number) });
    expect(completion.text).toBe((await collect(inner, { prompt: "The market", max_tokens: 16, temperature: 0 })).text);

    // OpenAI sampling semantics and no prompt cache, spelled out for llama-server.
    expect(fake.requests.at(-1)).toMatchObject({ stream: true, stream_options: { include_usage: true }, temperature: 0, top_p: 1, top_k: 0, min_p: 0, repeat_penalty: 1, cache_prompt: false, max_tokens: 16 });
  });

  it("load comes from llamacpp:requests_processing / requests_deferred, so other clients' requests count", async () => {
    const fake = await startFakeLlamaServer({ engine: inner, metrics: true });
    closers.push(fake.close);
    const engine = await connectLlamaServer({ url: fake.url, pollInterval_ms: 50 });
    closers.push(() => engine.close());
    expect(engine.load()).toEqual({ active_slots: 0, slots: 2, queued_requests: 0 });
    const held = await holdDirect(fake.url, 3, (i) => ({ model: "x", prompt: `busy ${i}`, max_tokens: 1500, temperature: 0, stream: true }));
    await waitFor("both slots busy and one deferred", () => engine.load().active_slots === 2 && engine.load().queued_requests === 1);
    await held.release();
    await waitFor("idle again", () => engine.load().active_slots === 0 && engine.load().queued_requests === 0);
  });

  it("without --metrics, busy slots come from /slots", async () => {
    const fake = await startFakeLlamaServer({ engine: inner, metrics: false });
    closers.push(fake.close);
    const engine = await connectLlamaServer({ url: fake.url, pollInterval_ms: 50 });
    closers.push(() => engine.close());
    const held = await holdDirect(fake.url, 1, () => ({ model: "x", prompt: "busy", max_tokens: 1500, temperature: 0, stream: true }));
    await waitFor("one busy slot", () => engine.load().active_slots === 1);
    await held.release();
  });

  it("aborting mid-stream rejects with the reason and frees the engine's slot; a too-long prompt is a context_length_exceeded refusal", async () => {
    const fake = await startFakeLlamaServer({ engine: inner, metrics: true });
    closers.push(fake.close);
    const engine = await connectLlamaServer({ url: fake.url, pollInterval_ms: 50 });
    closers.push(() => engine.close());
    const abort = new AbortController();
    const reason = new Error("buyer hung up");
    let deltas = 0;
    const outcome = await (async () => {
      for await (const ev of engine.generate(chat("go on", 1500), abort.signal)) if (ev.type === "delta" && ++deltas === 3) abort.abort(reason);
    })().then(
      () => "finished",
      (e: unknown) => e,
    );
    expect(outcome).toBe(reason);
    await waitFor("the inner engine's slot to free", () => inner.load().active_slots === 0);

    const err = await collect(engine, { prompt: "word ".repeat(2000), max_tokens: 4, temperature: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineRequestError);
    expect(err).toMatchObject({ code: "context_length_exceeded" });
  });

  it("refuses to sell more slots than llama-server has", async () => {
    const fake = await startFakeLlamaServer({ engine: inner });
    closers.push(fake.close);
    await expect(connectLlamaServer({ url: fake.url, slots: 3 })).rejects.toThrow(/more than llama-server's 2 slots/);
  });
});

describe("vLLM adapter", () => {
  it("without dev mode, --slots is required (vLLM does not expose max_num_seqs)", async () => {
    const fake = await startFakeVllm({ engine: inner, servedModelName: "spotlane/tiny" });
    closers.push(fake.close);
    await expect(connectVllm({ url: fake.url })).rejects.toThrow(/pass --slots N/);
  });

  it("retries while vLLM is not listening yet, then serves chat and completions with the served model name", async () => {
    const port = await freePort();
    const connecting = connectVllm({ url: `http://127.0.0.1:${port}`, slots: 2, pollInterval_ms: 50 });
    await new Promise((r) => setTimeout(r, 300));
    const fake = await startFakeVllm({ engine: inner, servedModelName: "spotlane/tiny", port });
    closers.push(fake.close);
    const engine = await connecting;
    closers.push(() => engine.close());
    expect(engine.info).toMatchObject({ engine: "vllm", engine_version: "vLLM 0.10.1.1", slots: 2, context_size: 1024 });

    const direct = await collect(inner, chat("hello market", 20));
    const viaVllm = await collect(engine, chat("hello market", 20));
    // Slot time is each engine's own measurement; everything else is the same generation.
    expect({ ...viaVllm, done: { ...viaVllm.done, served_ms: 0 } }).toEqual({ ...direct, done: { ...direct.done, served_ms: 0 } });
    const completion = await collect(engine, { prompt: "The market", max_tokens: 12, temperature: 0 });
    expect(completion.done.usage.completion_tokens).toBe(12);
    expect(fake.requests.at(-1)).toMatchObject({ model: "spotlane/tiny", top_k: -1, min_p: 0, repetition_penalty: 1, top_p: 1, stream_options: { include_usage: true } });
  });

  it("dev mode: slots and dtype from /server_info; load from vllm:num_requests_running/waiting and kv_cache_usage_perc", async () => {
    const fake = await startFakeVllm({ engine: inner, servedModelName: "spotlane/tiny", devMode: true });
    closers.push(fake.close);
    const engine = await connectVllm({ url: fake.url, pollInterval_ms: 50 });
    closers.push(() => engine.close());
    expect(engine.info).toMatchObject({ slots: 2, quantization: "f32" });
    expect(engine.load()).toEqual({ active_slots: 0, slots: 2, queued_requests: 0, kv_cache_usage: 0 });
    const held = await holdDirect(fake.url, 3, (i) => ({ model: "spotlane/tiny", prompt: `busy ${i}`, max_tokens: 1500, temperature: 0, stream: true }));
    await waitFor("running 2, waiting 1, cache full", () => {
      const l = engine.load();
      return l.active_slots === 2 && l.queued_requests === 1 && l.kv_cache_usage === 1;
    });
    await held.release();
    await waitFor("idle", () => engine.load().active_slots === 0);

    const err = await collect(engine, { prompt: "word ".repeat(2000), max_tokens: 4, temperature: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "EngineRequestError", code: "context_length_exceeded" });
  });
});
