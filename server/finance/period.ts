import { ServiceError } from "../errors";

/** A half-open UTC interval [start, end): every finance figure is for one (DESIGN §7). */
export type Period = { start: Date; end: Date };

/** The longest period a finance page or export asks for in one go (a year and a day): bounds every scan. */
export const MAX_PERIOD_DAYS = 367;
const DAY_MS = 86_400_000;

/**
 * A month "YYYY-MM" as its UTC period. Strict: a zero-padded month 01–12 and a four-digit year from 2000,
 * so every month string names exactly one period.
 */
export function monthPeriod(month: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = m ? Number(m[1]) : NaN;
  const monthIndex = m ? Number(m[2]) - 1 : NaN;
  if (!m || year < 2000 || year > 2999 || monthIndex < 0 || monthIndex > 11) {
    throw new ServiceError("invalid_input", `A month looks like 2026-11 (year-month, UTC); got '${month.slice(0, 40)}'.`, { param: "month" });
  }
  return { start: new Date(Date.UTC(year, monthIndex, 1)), end: new Date(Date.UTC(year, monthIndex + 1, 1)) };
}

/** "YYYY-MM" of the UTC month holding `at`. */
export function monthKey(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** The month after the one starting at `start` (a period's successor). */
export function nextMonthStart(start: Date): Date {
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** A custom range: both ends valid instants, start before end, at most MAX_PERIOD_DAYS long (invalid_input otherwise). */
export function rangePeriod(from: Date, to: Date): Period {
  if (!Number.isFinite(from.getTime()) || !Number.isFinite(to.getTime()) || to.getTime() <= from.getTime()) {
    throw new ServiceError("invalid_input", "A period needs a start before its end (ISO 8601 instants, UTC).", { param: "from" });
  }
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw new ServiceError("invalid_input", `A period covers at most ${MAX_PERIOD_DAYS} days.`, { param: "to" });
  }
  return { start: from, end: to };
}

/** Either a month or an explicit range, as pages and exports take them. */
export type PeriodInput = { month: string } | { from: Date; to: Date };

export function resolvePeriod(input: PeriodInput): Period {
  return "month" in input ? monthPeriod(input.month) : rangePeriod(input.from, input.to);
}
