import { ServiceError } from "../../errors";

const DAY_MS = 86_400_000;

/** The longest earnings series a provider's chart asks for (a quarter): a bound on rows and on the zero-filling. */
export const MAX_SERIES_DAYS = 92;

/**
 * A statement month "YYYY-MM" as the half-open UTC interval [start, end). Strict: a zero-padded month 01–12 and a
 * four-digit year from 2000 (nothing was earned before), so every statement names exactly one period.
 */
export function parseStatementMonth(month: string): { start: Date; end: Date } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = m ? Number(m[1]) : NaN;
  const monthIndex = m ? Number(m[2]) - 1 : NaN;
  if (!m || year < 2000 || monthIndex < 0 || monthIndex > 11) {
    throw new ServiceError("invalid_input", `A statement month looks like 2026-11 (year-month, UTC); got '${month.slice(0, 40)}'.`, { param: "month" });
  }
  return { start: new Date(Date.UTC(year, monthIndex, 1)), end: new Date(Date.UTC(year, monthIndex + 1, 1)) };
}

/** The UTC calendar day an instant falls on, "YYYY-MM-DD" (the bucket key SQL's `(t at time zone 'UTC')::date` gives too). */
export function utcDayKey(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Midnight UTC starting the day `key` names. */
export function utcDayStart(key: string): Date {
  return new Date(`${key}T00:00:00.000Z`);
}

/**
 * Every UTC day that has an instant in [from, to), oldest first: the series' zero-filled x axis. Refuses an empty
 * or reversed range and one longer than MAX_SERIES_DAYS days (invalid_input), so a caller cannot ask for years.
 */
export function utcDaysInRange(from: Date, to: Date): string[] {
  if (!Number.isFinite(from.getTime()) || !Number.isFinite(to.getTime()) || to.getTime() <= from.getTime()) {
    throw new ServiceError("invalid_input", "An earnings range needs a start before its end.", { param: "from" });
  }
  const first = Math.floor(from.getTime() / DAY_MS);
  // `to` is exclusive: the last day is the one holding the instant just before it.
  const last = Math.floor((to.getTime() - 1) / DAY_MS);
  const count = last - first + 1;
  if (count > MAX_SERIES_DAYS) {
    throw new ServiceError("invalid_input", `An earnings range covers at most ${MAX_SERIES_DAYS} days; this one covers ${count}.`, { param: "to" });
  }
  return Array.from({ length: count }, (_, i) => utcDayKey(new Date((first + i) * DAY_MS)));
}
