import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requestCostNanos } from "../../lib/money";
import { firstTokenQuoteMs, holdCoverageMs, meter, offerRates, promptTokensBound, quoteMs, type MeterInput, type OfferRates } from "./meter";
import { priceOutcome } from "./request-outcome";

const rates: OfferRates = { ttft_ms: 20, prefill_tokens_per_second: 1_000, decode_tokens_per_second: 50 };
const base: MeterInput = {
  status: "completed",
  price_nanos_per_second: 1_000_000n,
  hold_nanos: 10n ** 12n,
  fee_bps: 1000,
  compute_ms: 1_000,
  served_ms: null,
  first_output_ms: null,
  rates,
  usage: { prompt_tokens: 100, completion_tokens: 40 },
  relayed_events: 40,
  bounds: { max_tokens: 40, prompt_tokens: 1_000 },
};

describe("quote", () => {
  it("is the request's time at the offer's rates plus 25%, rounded up", () => {
    // 20 + 100/1000 s + 40/50 s = 20 + 100 + 800 = 920 ms; × 1.25 = 1150.
    expect(quoteMs(rates, { prompt_tokens: 100, completion_tokens: 40 })).toBe(1_150);
    expect(firstTokenQuoteMs(rates, 100)).toBe(150);
  });

  it("uses the verified rates, the claims only where unmeasured", () => {
    const o = { verified_ttft_ms: 30, verified_prefill_tokens_per_second: null, verified_decode_tokens_per_second: 10, claimed_ttft_ms: 5, claimed_prefill_tokens_per_second: 500, claimed_decode_tokens_per_second: 99 };
    expect(offerRates(o)).toEqual({ ttft_ms: 30, prefill_tokens_per_second: 500, decode_tokens_per_second: 10 });
  });

  it("bounds prompt tokens by the prompt's bytes plus the template allowance", () => {
    expect(promptTokensBound(10, 2)).toBe(10 + 32 + 64);
  });
});

describe("meter", () => {
  it("bills the served slot time, not the time queued before it (the issue's repro: 2 slots, 8 identical requests)", () => {
    // Identical work (served 900 ms each); the later pairs waited 1, 2 and 3 service times in the engine's queue.
    const billed = [0, 0, 1, 1, 2, 2, 3, 3].map((pair) => meter({ ...base, served_ms: 900, compute_ms: 900 * (pair + 1) + 15 }).billed_ms);
    expect(new Set(billed)).toEqual(new Set([900]));
  });

  it("never bills past the quote, whatever the provider reports", () => {
    const m = meter({ ...base, compute_ms: 60_000, served_ms: 60_000 });
    expect(m.quote_ms).toBe(1_150);
    expect(m.billed_ms).toBe(1_150);
    expect(m.cost_nanos).toBe(1_150_000n);
  });

  it("bounds the provider's token counts by max_tokens and the prompt bound", () => {
    const m = meter({ ...base, compute_ms: 10 ** 9, usage: { prompt_tokens: 10 ** 9, completion_tokens: 10 ** 9 } });
    expect(m.quote_ms).toBe(quoteMs(rates, { prompt_tokens: 1_000, completion_tokens: 40 }));
    expect(m).toMatchObject({ prompt_tokens: 1_000, completion_tokens: 40 });
  });

  it("does not bill waiting the gateway saw beyond the quoted first token, even if the agent claims it", () => {
    // A stream whose first token came after 5 s in a queue, then 800 ms of decode; the agent claims all of it.
    const m = meter({ ...base, first_output_ms: 5_000, compute_ms: 5_800, served_ms: 5_800 });
    expect(m.billed_ms).toBe(5_800 - (5_000 - 150));
  });

  it("bills a buyer who hung up while queued at most the quoted first token", () => {
    const m = meter({ ...base, status: "aborted", usage: null, relayed_events: 0, compute_ms: 30_000, first_output_ms: 30_000 });
    expect(m.billed_ms).toBe(firstTokenQuoteMs(rates, 1_000));
  });

  it("never costs more than the hold", () => {
    const m = meter({ ...base, price_nanos_per_second: 1_000_003n, hold_nanos: 700_000n });
    expect(m.cost_nanos <= 700_000n).toBe(true);
    expect(m.billed_ms).toBe(holdCoverageMs(700_000n, 1_000_003n));
  });

  it("a failed request costs nothing", () => {
    expect(meter({ ...base, status: "failed", served_ms: 500 })).toMatchObject({ billed_ms: 0, cost_nanos: 0n, provider_nanos: 0n, fee_nanos: 0n });
  });

  const input = fc.record({
    status: fc.constantFrom("completed" as const, "aborted" as const, "failed" as const),
    price_nanos_per_second: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    hold_nanos: fc.bigInt({ min: 0n, max: 10n ** 15n }),
    fee_bps: fc.integer({ min: 0, max: 10_000 }),
    compute_ms: fc.integer({ min: 0, max: 3_600_000 }),
    served_ms: fc.option(fc.integer({ min: 0, max: 10_000_000 })),
    first_output_ms: fc.option(fc.integer({ min: 0, max: 3_600_000 })),
    rates: fc.record({ ttft_ms: fc.double({ min: 0, max: 10_000, noNaN: true }), prefill_tokens_per_second: fc.double({ min: 0.01, max: 1e6, noNaN: true }), decode_tokens_per_second: fc.double({ min: 0.01, max: 1e5, noNaN: true }) }),
    usage: fc.option(fc.record({ prompt_tokens: fc.integer({ min: 0, max: 10 ** 9 }), completion_tokens: fc.integer({ min: 0, max: 10 ** 9 }) })),
    relayed_events: fc.integer({ min: 0, max: 100_000 }),
    bounds: fc.record({ max_tokens: fc.integer({ min: 1, max: 100_000 }), prompt_tokens: fc.integer({ min: 1, max: 10_000_000 }) }),
  });

  it("property: billed ≤ measured, ≤ served, ≤ quote; cost = price × billed rounded once, ≤ hold; debit = credit + fee", () => {
    fc.assert(
      fc.property(input, (i) => {
        const m = meter(i);
        expect(Number.isSafeInteger(m.billed_ms) && m.billed_ms >= 0).toBe(true);
        expect(m.billed_ms).toBeLessThanOrEqual(i.compute_ms);
        if (i.served_ms !== null) expect(m.billed_ms).toBeLessThanOrEqual(i.served_ms);
        expect(m.billed_ms).toBeLessThanOrEqual(m.quote_ms);
        expect(m.prompt_tokens).toBeLessThanOrEqual(i.bounds.prompt_tokens);
        expect(m.completion_tokens).toBeLessThanOrEqual(i.bounds.max_tokens);
        expect(m.cost_nanos).toBe(i.status === "failed" ? 0n : requestCostNanos(i.price_nanos_per_second, m.billed_ms));
        expect(m.cost_nanos <= i.hold_nanos).toBe(true);
        expect(m.provider_nanos + m.fee_nanos).toBe(m.cost_nanos);
        expect(m.provider_nanos >= 0n && m.fee_nanos >= 0n).toBe(true);
        // The settlement path prices the recorded outcome identically.
        expect(priceOutcome({ status: i.status, price_nanos_per_second: i.price_nanos_per_second, compute_ms: i.compute_ms, billed_ms: m.billed_ms }, i.fee_bps)).toEqual({ billed_ms: m.billed_ms, cost_nanos: m.cost_nanos, provider_nanos: m.provider_nanos, fee_nanos: m.fee_nanos });
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: waiting beyond the quoted first token never raises the bill", () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 0, max: 600_000 }), (i, wait_ms) => {
        // A request whose first output came after its quoted first-token time, then the same one delayed
        // further by a queue the gateway saw (before its first output).
        const prompt = Math.min(i.usage?.prompt_tokens ?? i.bounds.prompt_tokens, i.bounds.prompt_tokens);
        const first = Math.max(i.first_output_ms ?? 0, firstTokenQuoteMs(i.rates, prompt));
        const seen = { ...i, served_ms: null, first_output_ms: first, compute_ms: Math.max(i.compute_ms, first) };
        const delayed = { ...seen, compute_ms: seen.compute_ms + wait_ms, first_output_ms: seen.first_output_ms + wait_ms };
        expect(meter(delayed).billed_ms).toBeLessThanOrEqual(meter(seen).billed_ms);
      }),
      { numRuns: 1_000 },
    );
  });
});
