/**
 * PURE: verified throughput from observations (canaries and buyer streams). Medians, because one
 * stalled stream or one lucky run must not move an offer's figures: more than half of the window
 * has to change before the median does.
 */

export type Observation = {
  at: Date;
  source: "canary" | "buyer";
  ttft_ms: number | null;
  decode_tokens_per_second: number | null;
  prefill_tokens_per_second: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** Streams in flight in its canary probe (absent = 1; buyer requests are 1). Above 1: a full-load observation. */
  concurrency?: number;
};

/** Fewer generated tokens than this say more about timer resolution than about decode speed. */
export const MIN_DECODE_TOKENS = 8;
/** TTFT is compared across offers, so only short prompts count (canary prompts are ~100–300 tokens). */
export const SHORT_PROMPT_MAX_TOKENS = 1024;
/** Prefill is prompt ÷ TTFT; below this many prompt tokens the fixed overhead dominates. */
export const PREFILL_MIN_PROMPT_TOKENS = 64;

/** Decode rate the way buyer streams are measured: tokens after the first over the time after the first. */
export function decodeRate(completion_tokens: number, ttft_ms: number, duration_ms: number): number | null {
  const decode_ms = duration_ms - ttft_ms;
  if (completion_tokens < 2 || decode_ms <= 0) return null;
  return ((completion_tokens - 1) * 1000) / decode_ms;
}

export function median(xs: readonly number[]): number | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * A completed streamed buyer request as an observation; null when it cannot be one (not streamed,
 * so no TTFT; failed or aborted). Same formulas as canaries: decode = (tokens − 1) ÷ (compute − TTFT).
 */
export function buyerObservation(r: {
  dispatchedAt: Date;
  status: string;
  stream: boolean;
  ttftMs: number | null;
  computeMs: number;
  promptTokens: number;
  completionTokens: number;
}): Observation | null {
  if (r.status !== "completed" || !r.stream || r.ttftMs === null) return null;
  return {
    at: r.dispatchedAt,
    source: "buyer",
    ttft_ms: r.ttftMs,
    decode_tokens_per_second: decodeRate(r.completionTokens, r.ttftMs, r.computeMs),
    prefill_tokens_per_second: r.promptTokens > 0 ? (r.promptTokens * 1000) / Math.max(r.ttftMs, 1) : null,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
  };
}

/**
 * The per-stream figure at full load: with full-load observations, the worse of their median and the
 * single-stream median (an honest batching engine is a little slower per stream when full; one that
 * queues its claimed slots is N times slower). Without them, the single-stream median.
 */
export function atFullLoad(single: readonly number[], loaded: readonly number[]): number | null {
  const one = median(single);
  const full = median(loaded);
  if (full === null) return one;
  return one === null ? full : Math.min(one, full);
}

/**
 * A full-load probe's per-stream decode rate: the tokens all its streams generated after their first,
 * over the span from the first stream's first text to the last stream's last byte, divided by the
 * streams sent (a stream that failed served nothing). Concurrent streams overlap and score their own
 * rate; streams served one after another stretch the span N-fold. Times are one clock's, in ms.
 */
export function loadProbeDecodeRate(streams: readonly { completion_tokens: number | null; first_output_ms: number | null; last_byte_ms: number | null }[], sent: number): number | null {
  const served = streams.filter((s) => s.completion_tokens !== null && s.first_output_ms !== null && s.last_byte_ms !== null);
  if (served.length === 0 || sent < 1) return null;
  const tokens = served.reduce((sum, s) => sum + Math.max(0, s.completion_tokens! - 1), 0);
  const span_ms = Math.max(...served.map((s) => s.last_byte_ms!)) - Math.min(...served.map((s) => s.first_output_ms!));
  if (tokens === 0 || span_ms <= 0) return null;
  return (tokens * 1000) / span_ms / sent;
}

export type VerifiedFigures = {
  decode_tokens_per_second: number | null;
  prefill_tokens_per_second: number | null;
  ttft_ms: number | null;
  /** Observations behind the decode median. */
  observations: number;
};

const newestFirst = (a: Observation, b: Observation) => b.at.getTime() - a.at.getTime();

/**
 * Each figure is the median of the `window` most recent observations that can speak to it; decode and
 * prefill are per-stream figures at full load (`atFullLoad`) once a full-load probe has run, TTFT is an
 * idle slot's (the router adds queueing itself).
 */
export function verifiedFigures(observations: readonly Observation[], window: number): VerifiedFigures {
  const sorted = [...observations].sort(newestFirst);
  const single = sorted.filter((o) => (o.concurrency ?? 1) <= 1);
  const loaded = sorted.filter((o) => (o.concurrency ?? 1) > 1);
  const lastK = (pick: (o: Observation) => number | null, from: readonly Observation[] = single) => {
    const values: number[] = [];
    for (const o of from) {
      if (values.length >= window) break;
      const v = pick(o);
      if (v !== null && Number.isFinite(v) && v > 0) values.push(v);
    }
    return values;
  };
  const decodeOf = (o: Observation) => ((o.completion_tokens ?? 0) >= MIN_DECODE_TOKENS ? o.decode_tokens_per_second : null);
  const prefillOf = (o: Observation) => ((o.prompt_tokens ?? 0) >= PREFILL_MIN_PROMPT_TOKENS ? o.prefill_tokens_per_second : null);
  const decode = lastK(decodeOf);
  const decodeLoaded = lastK(decodeOf, loaded);
  const ttft = lastK((o) => ((o.prompt_tokens ?? Infinity) <= SHORT_PROMPT_MAX_TOKENS && o.ttft_ms !== null ? Math.max(o.ttft_ms, 0.001) : null));
  return {
    decode_tokens_per_second: atFullLoad(decode, decodeLoaded),
    prefill_tokens_per_second: atFullLoad(lastK(prefillOf), lastK(prefillOf, loaded)),
    ttft_ms: median(ttft),
    observations: decode.length + decodeLoaded.length,
  };
}
