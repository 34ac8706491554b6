import { NANOS_PER_USD, formatUsd } from "../../lib/money";
import type { FinanceDay } from "../../server/finance/reports/types";
import type { RollForward, RollForwardSection, RollForwardSectionKey } from "../../server/finance/roll-forward/types";

/** Σ of a section's movements: what the period changed. */
export function movementTotalNanos(section: Pick<RollForwardSection, "movements">): bigint {
  return section.movements.reduce((s, m) => s + m.amount_nanos, 0n);
}

/** opening + Σ movements − closing: zero when the section adds up. */
export function sectionDifferenceNanos(section: Pick<RollForwardSection, "opening_nanos" | "movements" | "closing_nanos">): bigint {
  return section.opening_nanos + movementTotalNanos(section) - section.closing_nanos;
}

function section(rf: Pick<RollForward, "sections">, key: RollForwardSectionKey): RollForwardSection | undefined {
  return rf.sections.find((s) => s.key === key);
}

/**
 * What buyers were charged for usage in the period: the buyer credit section's settlement movement, negated
 * (settlement takes credit away, DESIGN §6 signs). What the usage export's cost column sums to.
 */
export function usageTotalNanos(rf: Pick<RollForward, "sections">): bigint {
  const movement = section(rf, "buyer_credit")?.movements.find((m) => m.kind === "request_settlement");
  return movement ? -movement.amount_nanos : 0n;
}

/** Platform revenue (fees earned) plus platform expense (Stripe's fees, negative in the ledger) in the period: what the platform really kept. */
export function netRevenueNanos(rf: Pick<RollForward, "sections">): { revenue_nanos: bigint; expense_nanos: bigint; net_nanos: bigint } {
  const revenue = section(rf, "platform_revenue");
  const expense = section(rf, "platform_expense");
  const revenue_nanos = revenue ? movementTotalNanos(revenue) : 0n;
  const expense_nanos = expense ? movementTotalNanos(expense) : 0n;
  return { revenue_nanos, expense_nanos, net_nanos: revenue_nanos + expense_nanos };
}

/**
 * The roll-forward's check in words: empty when everything adds up, else one sentence per thing that does not
 * (a section whose opening + movements ≠ closing; the whole ledger's closing not summing to zero).
 */
export function rollForwardProblems(rf: Pick<RollForward, "sections" | "balanced">): string[] {
  const problems: string[] = [];
  for (const s of rf.sections) {
    const diff = sectionDifferenceNanos(s);
    if (diff !== 0n) problems.push(`${s.label}: opening + movements − closing = ${formatUsd(diff)}, not $0.`);
  }
  const ledger = rf.sections.reduce((sum, s) => sum + s.closing_nanos, 0n);
  if (ledger !== 0n) problems.push(`The closing balances of all sections sum to ${formatUsd(ledger)}, not $0: some ledger account is in no section, or an entry does not balance.`);
  if (!rf.balanced && problems.length === 0) problems.push("The server reports the roll-forward does not balance.");
  return problems;
}

/**
 * Line colours for the daily charts, each at least 3:1 against white (WCAG 1.4.11) and distinct from each other;
 * tested in finance-view.test.ts.
 */
export const SERIES_COLOURS = {
  usage_nanos: "#1d4ed8",
  fees_nanos: "#047857",
  stripe_fees_nanos: "#be123c",
  top_ups_nanos: "#1d4ed8",
  refunds_nanos: "#b45309",
  payouts_nanos: "#7e22ce",
} as const satisfies Partial<Record<keyof FinanceDay, string>>;
export type SeriesKey = keyof typeof SERIES_COLOURS;

export const SERIES_LABELS: Record<SeriesKey, string> = {
  usage_nanos: "Usage charged",
  fees_nanos: "Platform fees",
  stripe_fees_nanos: "Stripe fees",
  top_ups_nanos: "Top-ups",
  refunds_nanos: "Refunds and disputes",
  payouts_nanos: "Payouts",
};

/** One chart row per day: float USD for drawing only, exact nanos kept alongside for the tooltip. */
export type DayRow = { day: string; nanos: Partial<Record<SeriesKey, bigint>> } & Partial<Record<SeriesKey, number>>;

export function dayRows(days: readonly FinanceDay[], keys: readonly SeriesKey[]): DayRow[] {
  return days.map((d) => {
    const row: DayRow = { day: d.day, nanos: {} };
    for (const k of keys) {
      row.nanos[k] = d[k];
      row[k] = Number(d[k]) / Number(NANOS_PER_USD);
    }
    return row;
  });
}

/** Σ of one series over the period (exact). */
export function seriesTotalNanos(days: readonly FinanceDay[], key: SeriesKey): bigint {
  return days.reduce((s, d) => s + d[key], 0n);
}

/** Axis ticks: short, never more precise than a line can show. */
export function usdTick(usd: number): string {
  if (usd === 0) return "$0";
  const abs = Math.abs(usd);
  const sign = usd < 0 ? "-" : "";
  return abs >= 1 ? `${sign}$${abs.toFixed(2)}` : `${sign}$${abs.toPrecision(2)}`;
}
