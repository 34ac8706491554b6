import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { reconciliationItems, reconciliationRuns } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { isCurrentRun, nextReconciliationAt } from "./schedule";
import type { ReconciliationOverview } from "./types";
import { itemView, runView } from "./views";

/** At most this many open mismatches on the page (the run's counts say how many there are in all). */
export const OPEN_MISMATCHES_SHOWN = 500;

/**
 * The Finance page's reconciliation card: the latest run, the open mismatches of the latest completed current
 * run (schedule.ts: one covering up to when it ran; a clean run for an old month must not hide the daily
 * window's), recent runs of every kind, and when the schedule runs next.
 */
export async function reconciliationOverview(ctx: ServiceContext, input: { interval_hours: number; runs?: number }): Promise<ReconciliationOverview> {
  const available = Boolean(ctx.stripe);
  const runs = await ctx.db
    .select()
    .from(reconciliationRuns)
    .orderBy(desc(reconciliationRuns.startedAt), desc(reconciliationRuns.id))
    .limit(Math.max(1, Math.min(input.runs ?? 10, 100)));
  const stripeOnly = new Map<string, number>();
  if (runs.length > 0) {
    const rows = await ctx.db
      .select({ runId: reconciliationItems.runId, n: sql<number>`count(*)::int` })
      .from(reconciliationItems)
      .where(and(inArray(reconciliationItems.runId, runs.map((r) => r.id)), eq(reconciliationItems.kind, "other"), eq(reconciliationItems.status, "matched")))
      .groupBy(reconciliationItems.runId);
    for (const r of rows) stripeOnly.set(r.runId, Number(r.n));
  }
  const views = runs.map((r) => runView(r, stripeOnly.get(r.id) ?? 0));

  const [lastCompleted] = await ctx.db
    .select({ id: reconciliationRuns.id })
    .from(reconciliationRuns)
    .where(and(eq(reconciliationRuns.status, "completed"), isCurrentRun()))
    .orderBy(desc(reconciliationRuns.startedAt), desc(reconciliationRuns.id))
    .limit(1);
  const open = lastCompleted
    ? await ctx.db
        .select()
        .from(reconciliationItems)
        .where(and(eq(reconciliationItems.runId, lastCompleted.id), ne(reconciliationItems.status, "matched")))
        .orderBy(reconciliationItems.occurredAt, reconciliationItems.stripeObjectId)
        .limit(OPEN_MISMATCHES_SHOWN)
    : [];

  return {
    available,
    latest: views[0] ?? null,
    open_mismatches: open.map(itemView),
    runs: views,
    next_scheduled_at: available ? await nextReconciliationAt(ctx.db, ctx.now(), input.interval_hours) : null,
  };
}
