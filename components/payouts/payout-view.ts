import { NANOS_PER_USD } from "../../lib/money";
import type { EarningsSeries } from "../../server/billing/payouts/earnings-series";

/**
 * Bar colours for the earnings chart, each at least 3:1 against white (WCAG 1.4.11, non-text contrast) and
 * distinct from its neighbours; tested in payout-view.test.ts. Groups past the palette are merged into "Other".
 */
export const CHART_COLOURS = ["#1d4ed8", "#b45309", "#047857", "#7e22ce", "#be123c", "#0e7490", "#4d7c0f"] as const;
export const OTHER_COLOUR = "#475569";
export const OTHER_KEY = "__other";

/** WCAG 2 contrast ratio of two "#rrggbb" colours. */
export function contrastRatio(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

export type ChartGroup = { key: string; label: string; colour: string; total_nanos: bigint };
/** One bar per day: `values` in float USD for drawing only; `nanos` exact, for the tooltip. */
export type ChartRow = { day: string; nanos: Record<string, bigint> } & Record<string, number | string | Record<string, bigint>>;

/**
 * The series as stacked-bar rows: the biggest groups keep their own colour, the rest is summed into "Other" (so a
 * provider with 40 machines still gets a readable chart). Exact sums: each day's nanos add up to the series' day.
 */
export function chartRows(series: EarningsSeries, maxGroups: number = CHART_COLOURS.length): { rows: ChartRow[]; groups: ChartGroup[] } {
  const withTotals = series.groups.map((g) => ({ ...g, total_nanos: g.nanos.reduce((s, n) => s + n, 0n) }));
  // Biggest first; ties by key so the colours do not swap between refreshes.
  withTotals.sort((a, b) => (a.total_nanos === b.total_nanos ? (a.key < b.key ? -1 : 1) : a.total_nanos > b.total_nanos ? -1 : 1));
  const kept = withTotals.length > maxGroups ? withTotals.slice(0, maxGroups - 1) : withTotals;
  const rest = withTotals.slice(kept.length);
  const groups: ChartGroup[] = kept.map((g, i) => ({ key: g.key, label: g.label, colour: CHART_COLOURS[i % CHART_COLOURS.length]!, total_nanos: g.total_nanos }));
  if (rest.length > 0) groups.push({ key: OTHER_KEY, label: `Other (${rest.length})`, colour: OTHER_COLOUR, total_nanos: rest.reduce((s, g) => s + g.total_nanos, 0n) });
  const rows = series.days.map((day, i) => {
    const nanos: Record<string, bigint> = {};
    for (const g of kept) nanos[g.key] = g.nanos[i] ?? 0n;
    if (rest.length > 0) nanos[OTHER_KEY] = rest.reduce((s, g) => s + (g.nanos[i] ?? 0n), 0n);
    const row: ChartRow = { day, nanos };
    for (const [key, n] of Object.entries(nanos)) row[key] = Number(n) / Number(NANOS_PER_USD);
    return row;
  });
  return { rows, groups };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "YYYY-MM" of a UTC instant. */
export function utcMonth(at: Date): string {
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;
}

/** The current UTC month and the `count − 1` before it, newest first (the statement's month picker). */
export function recentMonths(now: Date, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(utcMonth(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1))));
  return out;
}

/** [from, to) as UTC days for the last `days` days including today: what the earnings chart asks for. */
export function lastDaysRange(now: Date, days: number): { from: string; to: string } {
  const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(tomorrow - days * 86_400_000), to: iso(tomorrow) };
}

/** "November 2026" for "2026-11" (UTC, any locale's month name). */
export function monthLabel(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y!, m! - 1, 1)));
}

const DATE_TIME_TZ = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
const DAY_UTC = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

/** Local date and time with its time zone ("Dec 2, 2026, 03:14 UTC"); client-side only. */
export function formatDateTimeZone(at: Date): string {
  return DATE_TIME_TZ.format(at);
}

/** A UTC day (statement lines, chart days) the same everywhere. */
export function formatUtcDay(at: Date | string): string {
  return DAY_UTC.format(typeof at === "string" ? new Date(`${at}T00:00:00.000Z`) : at);
}
