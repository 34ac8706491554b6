import { describe, expect, it } from "vitest";
import { usdToNanos } from "../../lib/money";
import { checkUsdAmount, nanosToUsdField } from "./usd-amount";

const bounds = { min_nanos: usdToNanos("5"), max_nanos: usdToNanos("10000") };

describe("checkUsdAmount", () => {
  it("accepts whole cents in the forms people type", () => {
    expect(checkUsdAmount("20", bounds)).toEqual({ ok: true, nanos: 20_000_000_000n, text: "20" });
    expect(checkUsdAmount(" $20.5 ", bounds)).toMatchObject({ ok: true, nanos: 20_500_000_000n });
    expect(checkUsdAmount("1,000.01", bounds)).toMatchObject({ ok: true, nanos: 1_000_010_000_000n });
    expect(checkUsdAmount("5", bounds)).toMatchObject({ ok: true });
    expect(checkUsdAmount("10000.00", bounds)).toMatchObject({ ok: true });
  });

  it("refuses fractions of a cent, signs and words, saying why", () => {
    for (const bad of ["20.001", "-5", "1e3", "twenty", "0x10", "20.", ".5"]) expect(checkUsdAmount(bad, bounds), bad).toEqual({ ok: false, message: "Enter a USD amount in whole cents, like 20 or 20.50." });
    expect(checkUsdAmount("", bounds)).toEqual({ ok: false, message: "Enter an amount in USD." });
  });

  it("states the bounds exactly", () => {
    expect(checkUsdAmount("4.99", bounds)).toEqual({ ok: false, message: "The minimum is $5.00." });
    expect(checkUsdAmount("10000.01", bounds)).toEqual({ ok: false, message: "The maximum is $10000.00." });
    expect(checkUsdAmount("0", {})).toMatchObject({ ok: true, nanos: 0n });
  });
});

describe("nanosToUsdField", () => {
  it("renders a form value that checkUsdAmount reads back to the same nanos", () => {
    for (const nanos of [0n, 5_000_000_000n, 20_500_000_000n, 1_234_560_000_000n]) {
      const check = checkUsdAmount(nanosToUsdField(nanos));
      expect(check).toMatchObject({ ok: true, nanos });
    }
  });
});
