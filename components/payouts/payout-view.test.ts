import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EarningsSeries } from "../../server/billing/payouts/earnings-series";
import { CHART_COLOURS, OTHER_COLOUR, OTHER_KEY, chartRows, contrastRatio, lastDaysRange, monthLabel, recentMonths } from "./payout-view";

describe("earnings chart colours", () => {
  it("are each at least 3:1 against white (bars on the white card)", () => {
    for (const c of [...CHART_COLOURS, OTHER_COLOUR]) expect(contrastRatio(c, "#ffffff"), c).toBeGreaterThanOrEqual(3);
  });
  it("the ratio is WCAG's: black on white is 21, a colour on itself 1", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#1d4ed8", "#1d4ed8")).toBe(1);
    // Tailwind amber-400 is too light for a bar on white: the check must be able to fail.
    expect(contrastRatio("#fbbf24", "#ffffff")).toBeLessThan(3);
  });
});

const seriesArb = fc
  .record({ days: fc.integer({ min: 1, max: 10 }), groups: fc.integer({ min: 0, max: 12 }) })
  .chain(({ days, groups }) =>
    fc.record({
      days: fc.constant(Array.from({ length: days }, (_, i) => `2026-11-${String(i + 1).padStart(2, "0")}`)),
      groups: fc.array(fc.array(fc.bigInt({ min: -5_000_000_000n, max: 50_000_000_000n }), { minLength: days, maxLength: days }), { minLength: groups, maxLength: groups }),
    }),
  )
  .map(({ days, groups }): EarningsSeries => {
    const gs = groups.map((nanos, i) => ({ key: `mach_${i}`, label: `machine ${i}`, nanos, total_nanos: nanos.reduce((s, n) => s + n, 0n) }));
    const day_totals_nanos = days.map((_, d) => gs.reduce((s, g) => s + g.nanos[d]!, 0n));
    return { by: "machine", from: new Date(`${days[0]}T00:00:00Z`), to: new Date(`${days.at(-1)}T00:00:00Z`), days, groups: gs, day_totals_nanos, total_nanos: day_totals_nanos.reduce((s, n) => s + n, 0n) };
  });

describe("chartRows", () => {
  it("keeps every nano: each day's bars sum to the series' day, group totals to the series' total", () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 1, max: 8 }), (series, maxGroups: number) => {
        const { rows, groups } = chartRows(series, maxGroups);
        expect(rows.map((r) => r.day)).toEqual(series.days);
        expect(groups.length).toBeLessThanOrEqual(Math.max(maxGroups, 1));
        series.days.forEach((_, i) => {
          const want = series.groups.reduce((s, g) => s + g.nanos[i]!, 0n);
          expect(Object.values(rows[i]!.nanos).reduce((s, n) => s + n, 0n)).toBe(want);
        });
        expect(groups.reduce((s, g) => s + g.total_nanos, 0n)).toBe(series.total_nanos);
        // "Other" only when there are more groups than colours allowed, and the biggest keep their own.
        expect(groups.some((g) => g.key === OTHER_KEY)).toBe(series.groups.length > maxGroups);
      }),
    );
  });
  it("orders groups biggest first and colours them in palette order", () => {
    const day = new Date("2026-11-01T00:00:00Z");
    const series: EarningsSeries = {
      by: "model",
      from: day,
      to: new Date("2026-11-02T00:00:00Z"),
      days: ["2026-11-01"],
      groups: [
        { key: "a", label: "A", nanos: [1n], total_nanos: 1n },
        { key: "b", label: "B", nanos: [3n], total_nanos: 3n },
      ],
      day_totals_nanos: [4n],
      total_nanos: 4n,
    };
    const { groups, rows } = chartRows(series);
    expect(groups.map((g) => [g.key, g.colour])).toEqual([["b", CHART_COLOURS[0]], ["a", CHART_COLOURS[1]]]);
    expect(rows[0]!.b).toBeCloseTo(3e-9);
  });
});

describe("months and days", () => {
  it("recentMonths crosses the year boundary in UTC", () => {
    expect(recentMonths(new Date("2026-01-31T23:59:59.999Z"), 3)).toEqual(["2026-01", "2025-12", "2025-11"]);
    expect(recentMonths(new Date("2026-03-01T00:00:00.000Z"), 2)).toEqual(["2026-03", "2026-02"]);
  });
  it("lastDaysRange is [today − (n−1), tomorrow) in UTC", () => {
    expect(lastDaysRange(new Date("2026-12-02T03:00:00.000Z"), 30)).toEqual({ from: "2026-11-03", to: "2026-12-03" });
    expect(lastDaysRange(new Date("2026-03-01T23:59:00.000Z"), 1)).toEqual({ from: "2026-03-01", to: "2026-03-02" });
  });
  it("monthLabel names the month in UTC", () => {
    expect(monthLabel("2026-11")).toBe("November 2026");
    expect(monthLabel("2027-01")).toBe("January 2027");
  });
});
