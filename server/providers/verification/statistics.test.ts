import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { atFullLoad, buyerObservation, decodeRate, loadProbeDecodeRate, median, verifiedFigures, type Observation } from "./statistics";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const obs = (s: number, o: Partial<Observation> = {}): Observation => ({
  at: at(s),
  source: "canary",
  ttft_ms: 50,
  decode_tokens_per_second: 100,
  prefill_tokens_per_second: 2000,
  prompt_tokens: 200,
  completion_tokens: 32,
  ...o,
});

describe("median", () => {
  it("is the middle value, or the mean of the two middle values; null when empty", () => {
    expect(median([])).toBeNull();
    expect(median([3])).toBe(3);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 2, Infinity])).toBe(2);
  });

  it("lies between the smallest and the largest value", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1 }), (xs) => {
        const m = median(xs)!;
        expect(m).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(m).toBeLessThanOrEqual(Math.max(...xs));
      }),
    );
  });

  it("is robust: corrupting fewer than half the values keeps it within the range of the untouched ones", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 3, maxLength: 40 }),
        fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { maxLength: 40 }),
        (honest, outliers) => {
          const k = Math.min(outliers.length, Math.ceil(honest.length / 2) - 1);
          const kept = honest.slice(k);
          const corrupted = [...outliers.slice(0, k), ...kept];
          const m = median(corrupted)!;
          expect(m).toBeGreaterThanOrEqual(Math.min(...kept));
          expect(m).toBeLessThanOrEqual(Math.max(...kept));
        },
      ),
    );
  });
});

describe("decodeRate", () => {
  it("is tokens after the first over the time after the first", () => {
    expect(decodeRate(33, 100, 420)).toBeCloseTo(100, 9);
    expect(decodeRate(1, 100, 420)).toBeNull();
    expect(decodeRate(10, 100, 100)).toBeNull();
  });
});

describe("buyerObservation", () => {
  const row = { dispatchedAt: at(1), status: "completed", stream: true, ttftMs: 40, computeMs: 340, promptTokens: 400, completionTokens: 31 };
  it("turns a completed stream into decode, prefill and TTFT with the canary formulas", () => {
    expect(buyerObservation(row)).toEqual({ at: at(1), source: "buyer", ttft_ms: 40, decode_tokens_per_second: 100, prefill_tokens_per_second: 10_000, prompt_tokens: 400, completion_tokens: 31 });
  });
  it("ignores what cannot be measured: non-streamed, failed, aborted", () => {
    expect(buyerObservation({ ...row, stream: false, ttftMs: null })).toBeNull();
    expect(buyerObservation({ ...row, status: "failed" })).toBeNull();
    expect(buyerObservation({ ...row, status: "aborted" })).toBeNull();
  });
});

describe("verifiedFigures", () => {
  it("takes medians over the most recent observations, canaries and buyer streams alike", () => {
    const old = Array.from({ length: 10 }, (_, i) => obs(i, { decode_tokens_per_second: 10 }));
    const recent = Array.from({ length: 5 }, (_, i) => obs(100 + i, { decode_tokens_per_second: 200 + i, source: i % 2 ? "buyer" : "canary" }));
    const f = verifiedFigures([...old, ...recent], 5);
    expect(f.decode_tokens_per_second).toBe(202);
    expect(f.observations).toBe(5);
    expect(f.ttft_ms).toBe(50);
  });

  it("uses only observations that speak to each figure", () => {
    const f = verifiedFigures(
      [
        obs(1, { completion_tokens: 3, decode_tokens_per_second: 9999 }), // too few tokens to time decode
        obs(2, { prompt_tokens: 10, prefill_tokens_per_second: 1 }), // too short a prompt to time prefill
        obs(3, { prompt_tokens: 5000, ttft_ms: 9000 }), // a long prompt says nothing about short-prompt TTFT
        obs(4),
      ],
      10,
    );
    expect(f.decode_tokens_per_second).toBe(100);
    expect(f.prefill_tokens_per_second).toBe(2000);
    expect(f.ttft_ms).toBe(50);
  });

  it("is null with nothing to go on", () => {
    expect(verifiedFigures([], 10)).toEqual({ decode_tokens_per_second: null, prefill_tokens_per_second: null, ttft_ms: null, observations: 0 });
  });
});

describe("full load (issue 8: canaries at claimed concurrency)", () => {
  it("a probe's per-stream rate: overlapping streams keep their own rate, streams served one after another divide it", () => {
    const stream = (first: number, last: number) => ({ completion_tokens: 32, first_output_ms: first, last_byte_ms: last });
    // 4 streams decoding 31 tokens each over the same 100 ms: 310 tok/s per stream.
    expect(loadProbeDecodeRate([0, 0, 0, 0].map(() => stream(0, 100)), 4)).toBeCloseTo(310, 6);
    // The same 4 served one at a time, 100 ms each: a quarter of that.
    expect(loadProbeDecodeRate([0, 1, 2, 3].map((i) => stream(i * 100, i * 100 + 100)), 4)).toBeCloseTo(77.5, 6);
    // A stream that failed served nothing, and still counts as one of those sent.
    expect(loadProbeDecodeRate([stream(0, 100)], 2)).toBeCloseTo(155, 6);
    expect(loadProbeDecodeRate([], 4)).toBeNull();
  });

  it("verified decode and prefill are the worse of the single-stream and the full-load medians; TTFT stays an idle slot's", () => {
    const single = [1, 2, 3].map((s) => obs(s, { decode_tokens_per_second: 400, prefill_tokens_per_second: 4000, ttft_ms: 40 }));
    const full = [4, 4, 4, 4].map((s) => obs(s, { decode_tokens_per_second: 100, prefill_tokens_per_second: 1000, ttft_ms: 400, concurrency: 4 }));
    expect(verifiedFigures([...single, ...full], 15)).toMatchObject({ decode_tokens_per_second: 100, prefill_tokens_per_second: 1000, ttft_ms: 40 });
    expect(verifiedFigures(single, 15)).toMatchObject({ decode_tokens_per_second: 400, prefill_tokens_per_second: 4000 });
    // A full-load probe that beats the single streams (noise) does not raise the figure.
    expect(verifiedFigures([...single, ...full.map((o) => ({ ...o, decode_tokens_per_second: 900 }))], 15).decode_tokens_per_second).toBe(400);
    expect(atFullLoad([], [50])).toBe(50);
  });

  it("never reports more than the full-load median once there is one (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { maxLength: 20 }), fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 20 }), (single, loaded) => {
        expect(atFullLoad(single, loaded)!).toBeLessThanOrEqual(median(loaded)!);
      }),
    );
  });
});
