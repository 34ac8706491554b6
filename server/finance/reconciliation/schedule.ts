import { desc } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { reconciliationRuns } from "../../../db/schema";

const HOUR_MS = 3_600_000;

/**
 * When the scheduled reconciliation is next due: `interval_hours` after the last run of any trigger started
 * (a button press counts: it reconciled the same window), at once when there never was one. Read from the
 * table, so a restart does not run it again.
 */
export async function nextReconciliationAt(q: Queryable, now: Date, interval_hours: number): Promise<Date> {
  const [last] = await q.select({ startedAt: reconciliationRuns.startedAt }).from(reconciliationRuns).orderBy(desc(reconciliationRuns.startedAt)).limit(1);
  if (!last) return now;
  return new Date(last.startedAt.getTime() + Math.round(interval_hours * HOUR_MS));
}

export async function reconciliationDue(q: Queryable, now: Date, interval_hours: number): Promise<boolean> {
  return (await nextReconciliationAt(q, now, interval_hours)).getTime() <= now.getTime();
}
