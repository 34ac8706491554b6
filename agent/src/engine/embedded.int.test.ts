// Real inference on the tiny random-weight model: exercises node-llama-cpp end to end.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../../../test/tiny-model";
import { createEmbeddedEngine } from "./embedded";
import { EngineRequestError, type Engine, type EngineEvent, type GenerateRequest } from "./types";

let dir: string;
let engine: Engine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "spotlane-engine-"));
  const { path } = await makeTinyModel(join(dir, "tiny.gguf"));
  engine = await createEmbeddedEngine({ modelPath: path, slots: 2 });
});
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

async function collect(req: GenerateRequest) {
  return collectWith(req, new AbortController().signal);
}

async function collectWith(req: GenerateRequest, signal: AbortSignal) {
  let text = "";
  let done: Extract<EngineEvent, { type: "done" }> | undefined;
  for await (const event of engine.generate(req, signal)) {
    if (event.type === "delta") text += event.text;
    else if (event.type === "done") done = event;
  }
  if (!done) throw new Error("stream ended without a done event");
  return { text, done };
}

const chat = (content: string, max_tokens: number, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: "user", content }],
  max_tokens,
  temperature: 0,
  ...extra,
});

describe("embedded engine (tiny model)", () => {
  it("reports what it serves", () => {
    expect(engine.info.engine).toBe("llama.cpp");
    expect(engine.info.engine_version).toMatch(/^node-llama-cpp \d+\.\d+\.\d+/);
    expect(engine.info.quantization).toBe("f32");
    expect(engine.info.slots).toBe(2);
    expect(engine.info.context_size).toBeGreaterThanOrEqual(2048);
    expect(engine.load()).toEqual({ active_slots: 0, slots: 2, queued_requests: 0 });
  });

  it("greedy chat generation is deterministic, honours max_tokens and counts real tokens", async () => {
    const a = await collect(chat("what is the market price of a spot lane?", 32));
    const b = await collect(chat("what is the market price of a spot lane?", 32));
    expect(a.text.length).toBeGreaterThan(0);
    expect(b.text).toBe(a.text);
    expect(a.done).toEqual({ type: "done", finish_reason: "length", usage: { prompt_tokens: a.done.usage.prompt_tokens, completion_tokens: 32 }, served_ms: expect.any(Number) });
    expect(Number.isInteger(a.done.usage.prompt_tokens)).toBe(true);
    expect(a.done.usage.prompt_tokens).toBeGreaterThan(10); // template markers + words
    const other = await collect(chat("tell me about the water in the old house", 32));
    expect(other.text).not.toBe(a.text);
  });

  it("reports the slot time it served, not the time a request queued for a slot", async () => {
    // 2 slots, 4 identical requests: the second pair waits for the first pair's slots.
    const timed = () => {
      const started = performance.now();
      return collect(chat("queue for a slot, please", 48)).then((r) => ({ ...r, wall_ms: performance.now() - started }));
    };
    const runs = await Promise.all([timed(), timed(), timed(), timed()]);
    for (const r of runs) expect(r.done.served_ms).toBeLessThanOrEqual(Math.ceil(r.wall_ms));
    const firstPair = Math.min(runs[0].done.served_ms, runs[1].done.served_ms);
    for (const queued of runs.slice(2)) expect(queued.wall_ms - queued.done.served_ms).toBeGreaterThan(0.5 * firstPair);
  });

  it("raw completion mode works and a seeded sample is reproducible", async () => {
    const greedy = await collect({ prompt: "the market price", max_tokens: 5, temperature: 0 });
    expect(greedy.done.finish_reason).toBe("length");
    expect(greedy.done.usage.completion_tokens).toBe(5);
    expect(greedy.done.usage.prompt_tokens).toBeGreaterThanOrEqual(3);
    const s1 = await collect({ prompt: "the market price", max_tokens: 20, temperature: 1, seed: 42 });
    const s2 = await collect({ prompt: "the market price", max_tokens: 20, temperature: 1, seed: 42 });
    expect(s2.text).toBe(s1.text);
  });

  it("stops at a stop string without emitting it", async () => {
    const free = await collect(chat("hello there", 24));
    const words = free.text.trim().split(/\s+/);
    const stop = words[Math.min(3, words.length - 1)]!;
    const cut = await collect(chat("hello there", 24, { stop: [stop] }));
    expect(cut.done.finish_reason).toBe("stop");
    expect(cut.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
    expect(cut.done.usage.completion_tokens).toBeLessThan(24);
  });

  it("runs two generations concurrently on two slots", async () => {
    const solo = await collect(chat("some people think that water", 64));
    let peakActive = 0;
    const watch = setInterval(() => (peakActive = Math.max(peakActive, engine.load().active_slots)), 1);
    const [x, y] = await Promise.all([collect(chat("some people think that water", 64)), collect(chat("the old house", 64))]);
    clearInterval(watch);
    expect(x.done.usage.completion_tokens).toBe(64);
    expect(y.done.usage.completion_tokens).toBe(64);
    expect(x.text).toBe(solo.text); // batching with another slot does not change greedy output
    expect(peakActive).toBe(2);
    expect(engine.load().active_slots).toBe(0);
  });

  it("queues a third request until a slot frees, and abort frees slots promptly", async () => {
    const long = (n: number) => chat(`long story ${n}`, 1_000_000);
    const controllers = [new AbortController(), new AbortController()];
    const running = controllers.map((c, i) => collectWith(long(i), c.signal).catch((err: unknown) => err));
    await waitFor(() => engine.load().active_slots === 2);
    const queued = collect(chat("the old house", 8));
    await waitFor(() => engine.load().queued_requests === 1);

    const abortedAt = performance.now();
    controllers[0]!.abort(new Error("client went away"));
    const third = await queued; // got the freed slot
    expect(third.done.finish_reason).toBe("length");
    const err = await running[0];
    expect((err as Error).message).toBe("client went away");
    expect(performance.now() - abortedAt).toBeLessThan(2_000);

    controllers[1]!.abort(new Error("preempted"));
    expect(((await running[1]) as Error).message).toBe("preempted");
    await waitFor(() => engine.load().active_slots === 0);
  });

  it("breaking out of the stream frees the slot", async () => {
    for await (const event of engine.generate(chat("a b c", 1_000_000), new AbortController().signal)) {
      if (event.type === "delta") break;
    }
    await waitFor(() => engine.load().active_slots === 0);
  });

  it("rejects invalid requests and prompts longer than the context", async () => {
    await expect(collect({ max_tokens: 0, prompt: "x" })).rejects.toBeInstanceOf(EngineRequestError);
    await expect(collect({ max_tokens: 4 })).rejects.toBeInstanceOf(EngineRequestError);
    const huge = "the ".repeat(engine.info.context_size + 10);
    await expect(collect({ prompt: huge, max_tokens: 4 })).rejects.toMatchObject({ code: "context_length_exceeded" });
    expect(engine.load().active_slots).toBe(0);
  });

  it("decodes at hundreds of tokens per second on one CPU thread", async () => {
    const started = performance.now();
    const { done } = await collect(chat("measure", 400));
    const decode_tokens_per_second = done.usage.completion_tokens / ((performance.now() - started) / 1000);
    console.log(`tiny model: decode_tokens_per_second=${decode_tokens_per_second.toFixed(0)}`);
    expect(decode_tokens_per_second).toBeGreaterThan(200);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}
