import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { meter, offerRates, quoteMs } from "../billing/meter";
import type { RoutableOffer } from "../providers/list-routable-offers";
import { holdAmountNanos, MAX_HOLD_MS, tokenBounds, type PlannedAttempt } from "./admit";

const attempt = (o: { price: bigint; decode: number; prefill: number; ttft: number; verified: boolean }): PlannedAttempt =>
  ({
    offer: {
      verified_decode_tokens_per_second: o.verified ? o.decode : null,
      verified_prefill_tokens_per_second: o.verified ? o.prefill : null,
      verified_ttft_ms: o.verified ? o.ttft : null,
      claimed_decode_tokens_per_second: o.decode * 3,
      claimed_prefill_tokens_per_second: o.prefill * 3,
      claimed_ttft_ms: o.ttft,
    } as RoutableOffer,
    prediction: { price_nanos_per_second: o.price, ttft_ms: 0, hold_ms: 0, cost_nanos: 0n },
    candidate: {} as PlannedAttempt["candidate"],
  });

describe("holdAmountNanos", () => {
  it("bounds prompt tokens by UTF-8 bytes, not characters", () => {
    expect(tokenBounds(["héllo", "€"], 2, 64)).toEqual({ max_tokens: 64, prompt_tokens: 6 + 3 + 2 * 16 + 64 });
  });

  it("property: whatever the provider reports, a request on any of its attempts costs no more than the hold, and the hold never cuts the quote short below 10 min", () => {
    const offer = fc.record({
      price: fc.bigInt({ min: 0n, max: 10n ** 12n }),
      decode: fc.double({ min: 0.5, max: 5_000, noNaN: true }),
      prefill: fc.double({ min: 1, max: 100_000, noNaN: true }),
      ttft: fc.double({ min: 0, max: 5_000, noNaN: true }),
      verified: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(offer, { minLength: 1, maxLength: 3 }),
        fc.nat({ max: 2 }),
        fc.string({ maxLength: 200 }),
        fc.integer({ min: 1, max: 8_192 }),
        fc.record({ prompt_tokens: fc.nat({ max: 10 ** 7 }), completion_tokens: fc.nat({ max: 10 ** 7 }) }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (offers, pick, prompt, max_tokens, usage, compute_ms) => {
          const attempts = offers.map(attempt);
          const bounds = tokenBounds([prompt], 1, max_tokens);
          const hold = holdAmountNanos(attempts, bounds);
          const a = attempts[pick % attempts.length]!;
          const price = a.prediction.price_nanos_per_second;
          const m = meter({ status: "completed", price_nanos_per_second: price, hold_nanos: hold, fee_bps: 1000, compute_ms, served_ms: null, first_output_ms: null, rates: offerRates(a.offer), usage, relayed_events: 0, bounds });
          expect(m.cost_nanos <= hold).toBe(true);
          // Time the quote allows (within the 10-minute cap) is never refused by the hold.
          const largest = quoteMs(offerRates(a.offer), { prompt_tokens: bounds.prompt_tokens, completion_tokens: max_tokens });
          if (2 * largest <= MAX_HOLD_MS) expect(m.billed_ms).toBe(Math.min(compute_ms, m.quote_ms));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
