import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { monthPeriod } from "../period";
import { periodDays } from "./period-days";

const DAY_MS = 86_400_000;

describe("periodDays", () => {
  it("lists a month's days, first to last", () => {
    const days = periodDays(monthPeriod("2028-02"));
    expect(days).toHaveLength(29);
    expect(days[0]).toBe("2028-02-01");
    expect(days.at(-1)).toBe("2028-02-29");
  });

  it("includes a day the period only starts or ends inside, never the day its end opens", () => {
    expect(periodDays({ start: new Date("2026-11-01T23:00:00Z"), end: new Date("2026-11-03T00:00:00Z") })).toEqual(["2026-11-01", "2026-11-02"]);
    expect(periodDays({ start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-11-01T00:00:00.001Z") })).toEqual(["2026-11-01"]);
  });

  it("every instant of the period falls on a listed day; the days are consecutive and distinct", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.integer({ min: 1, max: 367 * DAY_MS }), fc.double({ min: 0, max: 1, noNaN: true }), (start_ms, span_ms, f) => {
        const period = { start: new Date(start_ms), end: new Date(start_ms + span_ms) };
        const days = periodDays(period);
        const inside = new Date(start_ms + Math.min(span_ms - 1, Math.floor(f * span_ms)));
        expect(days).toContain(inside.toISOString().slice(0, 10));
        expect(days[0]).toBe(period.start.toISOString().slice(0, 10));
        expect(days.at(-1)).toBe(new Date(period.end.getTime() - 1).toISOString().slice(0, 10));
        for (let i = 1; i < days.length; i++) expect(Date.parse(days[i]!) - Date.parse(days[i - 1]!)).toBe(DAY_MS);
      }),
    );
  });
});
