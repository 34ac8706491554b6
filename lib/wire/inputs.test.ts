import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_PRICE_NANOS_PER_SECOND } from "../money";
import { askNanosString, usdPerSecond, usdPerSecondToNanos, wireText } from "./inputs";

describe("money-shaped inputs", () => {
  it("takes bids from $0 to $1,000 per second, as numbers or decimal strings, and nothing else", () => {
    for (const ok of [0, 0.0001, "0.0001", "1000", 1000, "0.000000001"]) expect(usdPerSecond.safeParse(ok).success).toBe(true);
    for (const bad of ["99999999999", 99999999999, "1000.000000001", 1000.5, -1, "-1", "1e3", "0.0000000001", Number.NaN, Infinity, "", " ", "12abc"]) {
      expect(usdPerSecond.safeParse(bad).success, String(bad)).toBe(false);
    }
  });

  it("every accepted bid converts to nanos within the one price range", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: false }), fc.string(), fc.stringMatching(/^\d{1,14}(\.\d{1,10})?$/)), (v) => {
        if (!usdPerSecond.safeParse(v).success) return;
        const nanos = usdPerSecondToNanos(v)!;
        expect(nanos >= 0n && nanos <= MAX_PRICE_NANOS_PER_SECOND).toBe(true);
      }),
    );
  });

  it("takes asks from 1 nano to $1,000 per second as integer strings", () => {
    for (const ok of ["1", "50000", String(MAX_PRICE_NANOS_PER_SECOND)]) expect(askNanosString.safeParse(ok).success).toBe(true);
    for (const bad of ["0", "99999999999999999999", String(MAX_PRICE_NANOS_PER_SECOND + 1n), "1.5", "-1", "", "1e9"]) expect(askNanosString.safeParse(bad).success, bad).toBe(false);
  });

  it("refuses NUL and other control characters in wire text (PostgreSQL cannot store NUL)", () => {
    expect(wireText(10).safeParse("ok\tfine").success).toBe(true);
    for (const bad of ["a\u0000b", "\u0007", "x\u007f"]) expect(wireText(10).safeParse(bad).success).toBe(false);
  });
});
