import { exportUrl } from "../../lib/export-catalog";

/** What the buyer's usage export card holds: a UTC month, or a from/to day range (both days included). */
export type UsageExportForm = { mode: "month" | "dates"; month: string; from: string; to: string; keyId: string; model: string };

/** The server's longest export period (server/finance/period.ts MAX_PERIOD_DAYS), checked here so the link never downloads an error. */
const MAX_PERIOD_DAYS = 367;
const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** "YYYY-MM" of the UTC month holding `now`: the card's default period. */
export function currentUtcMonth(now: Date): string {
  return now.toISOString().slice(0, 7);
}

/**
 * The download link for the form, or why there is none yet. Days are UTC and the end day is included, so
 * "2026-11-01 to 2026-11-30" asks for [2026-11-01T00:00Z, 2026-12-01T00:00Z), the whole of November.
 */
export function usageExportHref(form: UsageExportForm): { href: string } | { error: string } {
  const filters = { key: form.keyId || undefined, model: form.model.trim() || undefined };
  if (form.mode === "month") {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(form.month)) return { error: "Pick a month." };
    return { href: exportUrl("usage", { month: form.month, ...filters }) };
  }
  if (!DAY.test(form.from) || !DAY.test(form.to)) return { error: "Pick a first and a last day." };
  const from = Date.parse(`${form.from}T00:00:00.000Z`);
  const to = Date.parse(`${form.to}T00:00:00.000Z`) + DAY_MS;
  if (!Number.isFinite(from) || !Number.isFinite(to)) return { error: "Pick a first and a last day." };
  if (to <= from) return { error: "The last day is before the first." };
  if (to - from > MAX_PERIOD_DAYS * DAY_MS) return { error: `At most ${MAX_PERIOD_DAYS} days at a time.` };
  return { href: exportUrl("usage", { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...filters }) };
}
