// Runs the standard suite (./suite.ts) against any Engine. Per request it records time to first
// token, prompt and completion tokens and the decode rate after the first token; per case it
// reports TTFT p50/p95, prefill tokens/s (prompt tokens ÷ TTFT, median) and decode tokens/s per
// stream (median) and in aggregate. The first requests on a fresh engine run ~2× slower (buffers,
// kernels, caches), so the suite warms up on both prompts before measuring anything.
import type { BenchmarkResult } from "../../../lib/wire/agent";
import { EngineRequestError, type Engine, type GenerateRequest } from "../engine/types";
import { median, percentile, round1 } from "./stats";
import { CASES, DEFAULT_ROUNDS, LONG_PROMPT, SHORT_PROMPT, SUITE_VERSION, type BenchCase } from "./suite";

export type Sample = { ttft_ms: number; prompt_tokens: number; completion_tokens: number; decode_tokens_per_second: number | null; total_ms: number };

export type CaseResult = {
  name: string;
  concurrency: number;
  requests: number;
  /** Why the case did not run (e.g. the long prompt does not fit the context). */
  skipped?: string;
  prompt_tokens?: number;
  ttft_p50_ms?: number;
  ttft_p95_ms?: number;
  prefill_tokens_per_second?: number;
  decode_tokens_per_second_per_stream?: number;
  decode_tokens_per_second_total?: number;
};

export type BenchmarkReport = {
  suite_version: string;
  engine: string;
  engine_version: string;
  quantization: string;
  context_size: number;
  slots: number;
  cases: CaseResult[];
  /** What the agent claims at registration. */
  claim: BenchmarkResult;
};

export type SuiteOptions = { rounds?: number; timeout_ms?: number; onCase?: (c: CaseResult) => void };

async function measure(engine: Engine, req: GenerateRequest, signal: AbortSignal): Promise<Sample> {
  const start = performance.now();
  let first: number | null = null;
  let usage = { prompt_tokens: 0, completion_tokens: 0 };
  for await (const ev of engine.generate(req, signal)) {
    if (ev.type === "delta") first ??= performance.now();
    else if (ev.type === "done") usage = ev.usage;
  }
  const end = performance.now();
  const ttft_ms = (first ?? end) - start;
  const decodeTokens = usage.completion_tokens - 1; // the first token is part of the TTFT
  return {
    ttft_ms,
    total_ms: end - start,
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    decode_tokens_per_second: first !== null && decodeTokens > 0 && end > first ? decodeTokens / ((end - first) / 1000) : null,
  };
}

const request = (c: Pick<BenchCase, "prompt" | "max_tokens">): GenerateRequest => ({ prompt: c.prompt === "short" ? SHORT_PROMPT : LONG_PROMPT, max_tokens: c.max_tokens, temperature: 0 });

async function runCase(engine: Engine, c: BenchCase, rounds: number, signal: AbortSignal): Promise<CaseResult> {
  const concurrency = c.concurrency === "slots" ? engine.info.slots : 1;
  const samples: Sample[] = [];
  const wall: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      samples.push(...(await Promise.all(Array.from({ length: concurrency }, () => measure(engine, request(c), signal)))));
      wall.push(performance.now() - t0);
    }
  } catch (err) {
    if (err instanceof EngineRequestError) return { name: c.name, concurrency, requests: samples.length, skipped: err.message };
    throw err;
  }
  const ttfts = samples.map((s) => s.ttft_ms);
  const decode = samples.map((s) => s.decode_tokens_per_second).filter((d): d is number => d !== null);
  const completion = samples.reduce((n, s) => n + s.completion_tokens, 0);
  return {
    name: c.name,
    concurrency,
    requests: samples.length,
    prompt_tokens: samples[0]!.prompt_tokens,
    ttft_p50_ms: round1(median(ttfts)),
    ttft_p95_ms: round1(percentile(ttfts, 95)),
    prefill_tokens_per_second: round1(median(samples.map((s) => s.prompt_tokens / Math.max(s.ttft_ms / 1000, 1e-6)))),
    ...(decode.length > 0 ? { decode_tokens_per_second_per_stream: round1(median(decode)) } : {}),
    decode_tokens_per_second_total: round1(completion / (wall.reduce((a, b) => a + b, 0) / 1000)),
  };
}

/**
 * The registration claim: decode per stream with every slot busy (what one buyer gets from a
 * loaded machine), prefill from the long prompt alone, TTFT p50 of the short prompt alone and
 * p95 with every slot busy. Falls back to the nearest case that ran.
 */
export function claimFrom(cases: CaseResult[], slots: number): BenchmarkResult {
  const ran = (name: string) => cases.find((c) => c.name === name && !c.skipped);
  const shortAlone = ran("short c=1");
  const shortBusy = ran("short c=slots") ?? shortAlone;
  const prefill = ran("long c=1") ?? shortAlone;
  const decode = shortBusy?.decode_tokens_per_second_per_stream ?? shortAlone?.decode_tokens_per_second_per_stream;
  if (!shortAlone || !prefill || !decode) throw new Error("benchmark produced no usable measurement");
  return {
    decode_tokens_per_second: decode,
    prefill_tokens_per_second: prefill.prefill_tokens_per_second!,
    ttft_ms: shortAlone.ttft_p50_ms!,
    ttft_p95_ms: shortBusy!.ttft_p95_ms!,
    concurrency: slots,
    suite_version: SUITE_VERSION,
  };
}

export async function runBenchmarkSuite(engine: Engine, opts: SuiteOptions = {}): Promise<BenchmarkReport> {
  const signal = AbortSignal.timeout(opts.timeout_ms ?? 600_000);
  const rounds = opts.rounds ?? DEFAULT_ROUNDS;
  // Warm-up: one-time allocations and kernel selection must not count against the machine.
  for (const c of [{ prompt: "short", max_tokens: 8 }, { prompt: "long", max_tokens: 4 }] as const) {
    try {
      await measure(engine, request(c), signal);
    } catch (err) {
      if (!(err instanceof EngineRequestError)) throw err; // a long prompt that does not fit is reported by its case
    }
  }
  const cases: CaseResult[] = [];
  for (const c of CASES) {
    // With one slot, "every slot busy" is the single-stream case again.
    if (c.concurrency === "slots" && engine.info.slots === 1) continue;
    const result = await runCase(engine, c, rounds, signal);
    cases.push(result);
    opts.onCase?.(result);
  }
  return {
    suite_version: SUITE_VERSION,
    engine: engine.info.engine,
    engine_version: engine.info.engine_version,
    quantization: engine.info.quantization,
    context_size: engine.info.context_size,
    slots: engine.info.slots,
    cases,
    claim: claimFrom(cases, engine.info.slots),
  };
}

/** The registration claim only (what runAgent needs). */
export async function runBenchmark(engine: Engine, opts: SuiteOptions = {}): Promise<BenchmarkResult> {
  return (await runBenchmarkSuite(engine, opts)).claim;
}
