import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_METER_VALUE, meterParts, meterRetryDelayMs } from "./meter-values";

describe("meter values", () => {
  it("keeps a value of at most 15 digits whole, under the row's identifier", () => {
    expect(meterParts("org_a:2026-12-01T10:00:00.000Z:0", 123n)).toEqual([{ identifier: "org_a:2026-12-01T10:00:00.000Z:0", value: "123" }]);
    expect(meterParts("id", MAX_METER_VALUE)).toEqual([{ identifier: "id", value: "999999999999999" }]);
    expect(meterParts("id", 0n)).toEqual([{ identifier: "id", value: "0" }]);
  });

  it("splits larger values into parts of at most 15 digits that sum to the value exactly", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n }), (v) => {
        const parts = meterParts("id", v);
        expect(parts.reduce((s, p) => s + BigInt(p.value), 0n)).toBe(v);
        for (const p of parts) expect(p.value.length).toBeLessThanOrEqual(15);
        expect(new Set(parts.map((p) => p.identifier)).size).toBe(parts.length);
        expect(parts[0]!.identifier).toBe("id");
      }),
    );
    expect(meterParts("id", MAX_METER_VALUE + 1n)).toEqual([
      { identifier: "id", value: "999999999999999" },
      { identifier: "id:1", value: "1" },
    ]);
    expect(() => meterParts("id", -1n)).toThrow(RangeError);
  });

  it("backs off from 30 s, doubling, to at most 30 minutes", () => {
    expect([1, 2, 3, 7, 50].map(meterRetryDelayMs)).toEqual([30_000, 60_000, 120_000, 1_800_000, 1_800_000]);
  });
});
