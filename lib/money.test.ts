import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { divRoundHalfUp, formatUsd, nanosToCents, requestCostNanos, splitPlatformFee, usdToNanos } from "./money";

describe("money", () => {
  it("rounds a request's cost half-up, once", () => {
    expect(requestCostNanos(1_000n, 1)).toBe(1n);
    expect(requestCostNanos(500n, 1)).toBe(1n); // 0.5 → 1
    expect(requestCostNanos(499n, 1)).toBe(0n);
    expect(requestCostNanos(123_456n, 2_500)).toBe(308_640n);
  });

  it("property: buyer debit = provider credit + platform fee, to the nano", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: 0, max: 10_000 }), (price, ms, bps) => {
        const cost = requestCostNanos(price, ms);
        const { provider_nanos, fee_nanos } = splitPlatformFee(cost, bps);
        expect(provider_nanos + fee_nanos).toBe(cost);
        expect(provider_nanos >= 0n && fee_nanos >= 0n).toBe(true);
      }),
    );
  });

  it("property: rounding error is at most half a unit", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const q = divRoundHalfUp(n, d);
        const err = q * d - n;
        expect(2n * (err < 0n ? -err : err) <= d).toBe(true);
      }),
    );
  });

  it("converts at the Stripe boundary and formats exactly", () => {
    expect(nanosToCents(5_000_000n)).toBe(1n);
    expect(nanosToCents(4_999_999n)).toBe(0n);
    expect(usdToNanos("5")).toBe(5_000_000_000n);
    expect(usdToNanos("0.000000001")).toBe(1n);
    expect(formatUsd(1_234_567_891n)).toBe("$1.234567891");
    expect(formatUsd(5_000_000_000n)).toBe("$5.00");
    expect(formatUsd(-10_000_000n)).toBe("-$0.01");
    expect(() => usdToNanos("1e-7")).toThrow();
  });
});
