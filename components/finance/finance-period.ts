import type { ExportSpec } from "../../lib/export-catalog";

/**
 * The period the Finance page shows, as its URL holds it: a calendar month (`?month=2026-11`, the default) or a
 * half-open UTC range (`?from=2026-11-03&to=2026-11-10`: from 00:00 UTC on the 3rd up to, not including, the 10th).
 */
export type FinancePeriod = { kind: "month"; month: string } | { kind: "range"; from: Date; to: Date };

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
/** What the server accepts (server/finance/period.ts MAX_PERIOD_DAYS); checked here too so the page can say why. */
export const MAX_RANGE_DAYS = 367;

const pad = (n: number) => String(n).padStart(2, "0");

/** "YYYY-MM" of the UTC month holding `at`. */
export function utcMonthOf(at: Date): string {
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;
}

/** The month `delta` months after `month` ("2026-01", −1 → "2025-12"). */
export function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split("-").map(Number);
  return utcMonthOf(new Date(Date.UTC(y!, m! - 1 + delta, 1)));
}

export function isMonth(value: string): boolean {
  const m = MONTH.exec(value);
  return !!m && Number(m[1]) >= 2000 && Number(m[1]) <= 2999;
}

/** A URL end: a UTC day ("2026-11-03" = its 00:00 UTC) or an ISO 8601 instant; null when neither. */
export function parseInstant(value: string): Date | null {
  const text = value.trim();
  if (DAY.test(text)) {
    const d = new Date(`${text}T00:00:00.000Z`);
    return Number.isFinite(d.getTime()) && d.toISOString().startsWith(text) ? d : null;
  }
  // An instant must say its offset ("Z" or "+01:00"): a bare local time would mean different periods in different browsers.
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const d = new Date(text);
  return Number.isFinite(d.getTime()) ? d : null;
}

/** Midnight UTC is shown as its day; anything else as the full instant. */
export function formatInstant(at: Date): string {
  const iso = at.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.replace(".000Z", "Z");
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The period in the page's search params, or the current UTC month when none is asked for. `error` says why what
 * was asked for cannot be shown (the page then shows the current month and the reason).
 */
export function periodFromSearchParams(params: Record<string, string | string[] | undefined>, now: Date): { period: FinancePeriod; error: string | null } {
  const fallback: FinancePeriod = { kind: "month", month: utcMonthOf(now) };
  const month = one(params.month);
  const from = one(params.from);
  const to = one(params.to);
  if (from !== undefined || to !== undefined) {
    const start = from ? parseInstant(from) : null;
    const end = to ? parseInstant(to) : null;
    if (!start || !end) return { period: fallback, error: "A range needs both ends as UTC days (2026-11-03) or ISO 8601 instants with their offset." };
    const error = rangeError(start, end);
    return error ? { period: fallback, error } : { period: { kind: "range", from: start, to: end }, error: null };
  }
  if (month !== undefined) {
    return isMonth(month) ? { period: { kind: "month", month }, error: null } : { period: fallback, error: `A month looks like 2026-11 (year-month, UTC); got '${month.slice(0, 40)}'.` };
  }
  return { period: fallback, error: null };
}

/** Why [from, to) is not a period the server takes, or null. */
export function rangeError(from: Date, to: Date): string | null {
  if (to.getTime() <= from.getTime()) return "The end of a range must come after its start.";
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) return `A range covers at most ${MAX_RANGE_DAYS} days.`;
  return null;
}

/** The page URL's query for a period ("month=2026-11" or "from=…&to=…"). */
export function periodQuery(period: FinancePeriod): string {
  const params: Record<string, string> = period.kind === "month" ? { month: period.month } : { from: formatInstant(period.from), to: formatInstant(period.to) };
  return new URLSearchParams(params).toString();
}

/** The tRPC input (finance.overview). */
export function periodInput(period: FinancePeriod): { month: string } | { from: Date; to: Date } {
  return period.kind === "month" ? { month: period.month } : { from: period.from, to: period.to };
}

/** "November 2026" for "2026-11" (UTC, in English like every other label on the page). */
export function monthName(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y!, m! - 1, 1)));
}

/** The period label: its name and its half-open UTC bounds, so nobody has to guess whether the end is included. */
export function periodLabel(period: FinancePeriod): string {
  if (period.kind === "month") {
    const next = shiftMonth(period.month, 1);
    return `${monthName(period.month)} (UTC): [${period.month}-01, ${next}-01)`;
  }
  return `[${formatInstant(period.from)}, ${formatInstant(period.to)}) UTC`;
}

/**
 * The download parameters for an export of this period, or why it cannot be downloaded for it: month kinds
 * (statements) need exactly one calendar month.
 */
export function exportParams(spec: Pick<ExportSpec, "period">, period: FinancePeriod): { params: Record<string, string> } | { disabled: string } {
  if (period.kind === "month") return { params: { month: period.month } };
  if (spec.period === "month") return { disabled: "Statements are monthly: pick a calendar month to download them." };
  return { params: { from: period.from.toISOString(), to: period.to.toISOString() } };
}
