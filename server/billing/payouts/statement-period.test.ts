import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../errors";
import { MAX_SERIES_DAYS, parseStatementMonth, utcDayKey, utcDayStart, utcDaysInRange } from "./statement-period";

const DAY_MS = 86_400_000;

describe("parseStatementMonth", () => {
  it("gives the half-open UTC month, December rolling into the next year", () => {
    expect(parseStatementMonth("2026-11")).toEqual({ start: new Date("2026-11-01T00:00:00.000Z"), end: new Date("2026-12-01T00:00:00.000Z") });
    expect(parseStatementMonth("2026-12")).toEqual({ start: new Date("2026-12-01T00:00:00.000Z"), end: new Date("2027-01-01T00:00:00.000Z") });
    expect(parseStatementMonth("2028-02").end.getTime() - parseStatementMonth("2028-02").start.getTime()).toBe(29 * DAY_MS);
  });

  it.each(["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", " 2026-11", "1999-12", "", "abcd-ef"])("refuses %j with invalid_input", (month) => {
    expect(() => parseStatementMonth(month)).toThrow(ServiceError);
    try {
      parseStatementMonth(month);
    } catch (err) {
      expect((err as ServiceError).code).toBe("invalid_input");
    }
  });

  it("months tile time: each month's end is the next month's start, and every instant is in exactly one", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(9999, 10, 30) }), (ms) => {
        const at = new Date(ms);
        const month = at.toISOString().slice(0, 7);
        const { start, end } = parseStatementMonth(month);
        expect(start.getTime()).toBeLessThanOrEqual(ms);
        expect(ms).toBeLessThan(end.getTime());
        expect(parseStatementMonth(end.toISOString().slice(0, 7)).start).toEqual(end);
      }),
    );
  });
});

describe("UTC day buckets", () => {
  it("a day key round-trips to its midnight, and midnight belongs to its own day", () => {
    expect(utcDayKey(new Date("2026-11-30T23:59:59.999Z"))).toBe("2026-11-30");
    expect(utcDayKey(new Date("2026-12-01T00:00:00.000Z"))).toBe("2026-12-01");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 0, 1) }), (ms) => {
        const start = utcDayStart(utcDayKey(new Date(ms)));
        expect(start.getTime() % DAY_MS).toBe(0);
        expect(ms - start.getTime()).toBeGreaterThanOrEqual(0);
        expect(ms - start.getTime()).toBeLessThan(DAY_MS);
      }),
    );
  });

  it("lists every day with an instant in [from, to), `to` exclusive", () => {
    expect(utcDaysInRange(new Date("2026-11-29T00:00:00Z"), new Date("2026-12-02T00:00:00Z"))).toEqual(["2026-11-29", "2026-11-30", "2026-12-01"]);
    expect(utcDaysInRange(new Date("2026-11-29T12:00:00Z"), new Date("2026-11-29T12:00:00.001Z"))).toEqual(["2026-11-29"]);
    expect(utcDaysInRange(new Date("2026-11-29T23:00:00Z"), new Date("2026-11-30T00:00:00.001Z"))).toEqual(["2026-11-29", "2026-11-30"]);
  });

  it("every instant in the range falls on a listed day, and the days are consecutive", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9000, 0, 1) }), fc.integer({ min: 1, max: (MAX_SERIES_DAYS - 1) * DAY_MS }), fc.double({ min: 0, max: 1, noNaN: true }), (fromMs, spanMs, f) => {
        const from = new Date(fromMs);
        const to = new Date(fromMs + spanMs);
        const days = utcDaysInRange(from, to);
        const t = fromMs + Math.floor(f * (spanMs - 1));
        expect(days).toContain(utcDayKey(new Date(t)));
        expect(days[0]).toBe(utcDayKey(from));
        expect(days[days.length - 1]).toBe(utcDayKey(new Date(to.getTime() - 1)));
        for (let i = 1; i < days.length; i++) expect(utcDayStart(days[i]!).getTime() - utcDayStart(days[i - 1]!).getTime()).toBe(DAY_MS);
      }),
    );
  });

  it("refuses an empty or reversed range and more than the maximum number of days", () => {
    const from = new Date("2026-01-01T00:00:00Z");
    expect(() => utcDaysInRange(from, from)).toThrow(/start before its end/);
    expect(() => utcDaysInRange(from, new Date(from.getTime() - 1))).toThrow(ServiceError);
    expect(utcDaysInRange(from, new Date(from.getTime() + MAX_SERIES_DAYS * DAY_MS))).toHaveLength(MAX_SERIES_DAYS);
    expect(() => utcDaysInRange(from, new Date(from.getTime() + MAX_SERIES_DAYS * DAY_MS + 1))).toThrow(/at most 92 days/);
    expect(() => utcDaysInRange(new Date(NaN), from)).toThrow(ServiceError);
  });
});
