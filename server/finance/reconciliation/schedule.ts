import { desc, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { reconciliationRuns } from "../../../db/schema";

const HOUR_MS = 3_600_000;

/**
 * A "current" run covers up to when it ran (a scheduled run, or "Reconcile now" without a month): its period
 * ends within a minute of its start. A run for an explicit (older) month is not: it says nothing about the
 * daily window, so it neither supplies the open mismatches nor counts as the daily run.
 */
export const CURRENT_RUN_TOLERANCE_SECONDS = 60;
export const isCurrentRun = () => sql`abs(extract(epoch from (${reconciliationRuns.periodEnd} - ${reconciliationRuns.startedAt}))) <= ${sql.raw(String(CURRENT_RUN_TOLERANCE_SECONDS))}`;

/**
 * When the scheduled reconciliation is next due: `interval_hours` after the last current run of any trigger
 * started (a button press without a month counts: it reconciled the same window), at once when there never
 * was one. Read from the table, so a restart does not run it again.
 */
export async function nextReconciliationAt(q: Queryable, now: Date, interval_hours: number): Promise<Date> {
  const [last] = await q.select({ startedAt: reconciliationRuns.startedAt }).from(reconciliationRuns).where(isCurrentRun()).orderBy(desc(reconciliationRuns.startedAt)).limit(1);
  if (!last) return now;
  return new Date(last.startedAt.getTime() + Math.round(interval_hours * HOUR_MS));
}

export async function reconciliationDue(q: Queryable, now: Date, interval_hours: number): Promise<boolean> {
  return (await nextReconciliationAt(q, now, interval_hours)).getTime() <= now.getTime();
}
