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

export type VerifiedFigures = {
  decode_tokens_per_second: number | null;
  prefill_tokens_per_second: number | null;
  ttft_ms: number | null;
  /** Observations behind the decode median. */
  observations: number;
};

const newestFirst = (a: Observation, b: Observation) => b.at.getTime() - a.at.getTime();

/** Each figure is the median of the `window` most recent observations that can speak to it. */
export function verifiedFigures(observations: readonly Observation[], window: number): VerifiedFigures {
  const sorted = [...observations].sort(newestFirst);
  const lastK = (pick: (o: Observation) => number | null) => {
    const values: number[] = [];
    for (const o of sorted) {
      if (values.length >= window) break;
      const v = pick(o);
      if (v !== null && Number.isFinite(v) && v > 0) values.push(v);
    }
    return values;
  };
  const decode = lastK((o) => ((o.completion_tokens ?? 0) >= MIN_DECODE_TOKENS ? o.decode_tokens_per_second : null));
  const prefill = lastK((o) => ((o.prompt_tokens ?? 0) >= PREFILL_MIN_PROMPT_TOKENS ? o.prefill_tokens_per_second : null));
  const ttft = lastK((o) => ((o.prompt_tokens ?? Infinity) <= SHORT_PROMPT_MAX_TOKENS && o.ttft_ms !== null ? Math.max(o.ttft_ms, 0.001) : null));
  return { decode_tokens_per_second: median(decode), prefill_tokens_per_second: median(prefill), ttft_ms: median(ttft), observations: decode.length };
}
