import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXPORT_SPECS } from "../../lib/export-catalog";
import { monthPeriod } from "../../server/finance/period";
import { exportParams, formatInstant, parseInstant, periodFromSearchParams, periodLabel, periodQuery, shiftMonth, utcMonthOf } from "./finance-period";

const NOW = new Date("2026-12-02T06:30:00Z");

describe("the Finance page's period from its URL", () => {
  it("defaults to the current UTC month", () => {
    expect(periodFromSearchParams({}, NOW)).toEqual({ period: { kind: "month", month: "2026-12" }, error: null });
    // 23:30 on Nov 30 in UTC−5 is already December in UTC.
    expect(periodFromSearchParams({}, new Date("2026-12-01T04:30:00Z")).period).toEqual({ kind: "month", month: "2026-12" });
  });
  it("takes a month or a half-open range, and says why it cannot take others", () => {
    expect(periodFromSearchParams({ month: "2026-11" }, NOW)).toEqual({ period: { kind: "month", month: "2026-11" }, error: null });
    expect(periodFromSearchParams({ month: ["2026-10", "2026-11"] }, NOW).period).toEqual({ kind: "month", month: "2026-10" });
    expect(periodFromSearchParams({ from: "2026-11-03", to: "2026-11-10" }, NOW).period).toEqual({ kind: "range", from: new Date("2026-11-03T00:00:00Z"), to: new Date("2026-11-10T00:00:00Z") });
    expect(periodFromSearchParams({ from: "2026-11-03T12:00:00+01:00", to: "2026-11-04T00:00:00Z" }, NOW).period).toEqual({ kind: "range", from: new Date("2026-11-03T11:00:00Z"), to: new Date("2026-11-04T00:00:00Z") });
    for (const bad of [{ month: "2026-13" }, { month: "26-11" }, { month: "1999-12" }, { from: "2026-11-03" }, { from: "2026-11-10", to: "2026-11-03" }, { from: "2026-02-30", to: "2026-03-03" }, { from: "2026-11-03T10:00", to: "2026-11-04" }, { from: "2025-01-01", to: "2026-02-01" }]) {
      const r = periodFromSearchParams(bad, NOW);
      expect(r.error, JSON.stringify(bad)).toBeTruthy();
      expect(r.period).toEqual({ kind: "month", month: "2026-12" });
    }
  });
  it("round-trips through the URL query", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2990, 0, 1) }), fc.integer({ min: 1, max: 366 * 86_400_000 }), (fromMs, lengthMs) => {
        const period = { kind: "range" as const, from: new Date(fromMs), to: new Date(fromMs + lengthMs) };
        const back = periodFromSearchParams(Object.fromEntries(new URLSearchParams(periodQuery(period))), NOW);
        expect(back).toEqual({ period, error: null });
      }),
    );
    expect(periodFromSearchParams(Object.fromEntries(new URLSearchParams(periodQuery({ kind: "month", month: "2026-02" }))), NOW).period).toEqual({ kind: "month", month: "2026-02" });
  });
});

describe("months", () => {
  it("shift across years, and agree with the server's month period", () => {
    expect(shiftMonth("2026-01", -1)).toBe("2025-12");
    expect(shiftMonth("2026-12", 1)).toBe("2027-01");
    fc.assert(
      fc.property(fc.integer({ min: 2001, max: 2990 }), fc.integer({ min: 1, max: 12 }), (y, m) => {
        const month = `${y}-${String(m).padStart(2, "0")}`;
        const p = monthPeriod(month);
        expect(utcMonthOf(p.start)).toBe(month);
        expect(monthPeriod(shiftMonth(month, 1)).start).toEqual(p.end);
      }),
    );
  });
  it("labels say the bounds are half-open and UTC", () => {
    expect(periodLabel({ kind: "month", month: "2026-11" })).toBe("November 2026 (UTC): [2026-11-01, 2026-12-01)");
    expect(periodLabel({ kind: "range", from: new Date("2026-11-03T00:00:00Z"), to: new Date("2026-11-03T12:30:00Z") })).toBe("[2026-11-03, 2026-11-03T12:30:00Z) UTC");
    expect(formatInstant(new Date("2026-11-03T12:30:00.250Z"))).toBe("2026-11-03T12:30:00.250Z");
    expect(parseInstant(formatInstant(new Date("2026-11-03T12:30:00.250Z")))).toEqual(new Date("2026-11-03T12:30:00.250Z"));
  });
});

describe("export parameters", () => {
  it("send the month, or the range as instants; monthly statements refuse a range with a reason", () => {
    const month = { kind: "month" as const, month: "2026-11" };
    const range = { kind: "range" as const, from: new Date("2026-11-03T00:00:00Z"), to: new Date("2026-11-10T00:00:00Z") };
    expect(exportParams(EXPORT_SPECS.usage, month)).toEqual({ params: { month: "2026-11" } });
    expect(exportParams(EXPORT_SPECS["buyer-statements"], month)).toEqual({ params: { month: "2026-11" } });
    expect(exportParams(EXPORT_SPECS.usage, range)).toEqual({ params: { from: "2026-11-03T00:00:00.000Z", to: "2026-11-10T00:00:00.000Z" } });
    expect(exportParams(EXPORT_SPECS["provider-statements"], range)).toEqual({ disabled: expect.stringMatching(/month/) });
  });
});
