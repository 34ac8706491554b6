import type { BenchmarkResult } from "../../lib/wire/agent";
import type { Engine } from "./engine/types";

/** Suite version: bump when prompts or method change, so results stay comparable. */
export const BENCHMARK_VERSION = "skeleton-1";
const PROMPT = "Explain in detail how a spot market for compute sets its price every second, step by step.";

/**
 * A short single-stream benchmark: TTFT, prefill rate (prompt tokens ÷ TTFT) and decode rate
 * (tokens after the first ÷ time after the first). The full versioned suite comes with verification.
 */
export async function runBenchmark(engine: Engine, opts: { max_tokens?: number } = {}): Promise<BenchmarkResult> {
  // Warm-up so one-time allocations do not count against the machine.
  for await (const _ of engine.generate({ prompt: "warm up", max_tokens: 4, temperature: 0 }, AbortSignal.timeout(60_000))) void _;
  const start = performance.now();
  let first: number | null = null;
  let deltas = 0;
  let usage = { prompt_tokens: 0, completion_tokens: 0 };
  for await (const ev of engine.generate({ prompt: PROMPT, max_tokens: opts.max_tokens ?? 64, temperature: 0 }, AbortSignal.timeout(120_000))) {
    if (ev.type === "delta") {
      deltas++;
      first ??= performance.now();
    } else usage = ev.usage;
  }
  const end = performance.now();
  const ttft_ms = (first ?? end) - start;
  const decode_tokens = Math.max(1, usage.completion_tokens - 1);
  return {
    ttft_ms: Math.round(ttft_ms * 10) / 10,
    prefill_tokens_per_second: usage.prompt_tokens / Math.max(ttft_ms / 1000, 1e-3),
    decode_tokens_per_second: deltas > 1 ? decode_tokens / Math.max((end - (first ?? start)) / 1000, 1e-3) : usage.completion_tokens / Math.max((end - start) / 1000, 1e-3),
  };
}
