import { and, eq, gte, lte, max, min } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { accountingPeriods, journalEntries, reconciliationRuns } from "../../../db/schema";
import { monthKey, monthPeriod, type Period } from "../period";

/**
 * The one month that may be closed next (closes are contiguous): the month starting at the latest closed
 * `period_end`; with nothing closed, the month of the earliest journal entry; null when nothing is posted.
 * Whether it has ended yet is the caller's question (it depends on the clock).
 */
export async function nextCloseableMonth(q: Queryable): Promise<{ month: string; period: Period; closed_through: Date | null } | null> {
  const [closed] = await q.select({ through: max(accountingPeriods.periodEnd) }).from(accountingPeriods);
  const closed_through = closed?.through ?? null;
  if (closed_through) {
    const month = monthKey(closed_through);
    return { month, period: monthPeriod(month), closed_through };
  }
  const [first] = await q.select({ at: min(journalEntries.createdAt) }).from(journalEntries);
  if (!first?.at) return null;
  const month = monthKey(first.at);
  return { month, period: monthPeriod(month), closed_through: null };
}

/** Why a month cannot be closed yet, or null when it can: only a month that has ended is final. */
export function notEndedReason(month: string, period: Period, now: Date): string | null {
  if (period.end.getTime() <= now.getTime()) return null;
  return `${month} has not ended yet: it can be closed from ${period.end.toISOString()} (UTC).`;
}

/**
 * With Stripe configured, a month closes only after a completed reconciliation that covered all of it ran
 * after it ended: Stripe's fees are posted as platform expense by reconciliation (server/finance/reconciliation),
 * so closing earlier would freeze the month without its last fees and push them into the next one. Null = fine.
 */
export async function unreconciledReason(q: Queryable, month: string, period: Period, stripe_configured: boolean): Promise<string | null> {
  if (!stripe_configured) return null;
  const [run] = await q
    .select({ id: reconciliationRuns.id })
    .from(reconciliationRuns)
    .where(and(eq(reconciliationRuns.status, "completed"), lte(reconciliationRuns.periodStart, period.start), gte(reconciliationRuns.periodEnd, period.end), gte(reconciliationRuns.finishedAt, period.end)))
    .limit(1);
  if (run) return null;
  return `Reconcile with Stripe first: ${month} closes once a reconciliation covering the whole month has run after it ended (it posts Stripe's fees for the month).`;
}
