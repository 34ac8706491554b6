import { and, count, desc, gte, isNotNull } from "drizzle-orm";
import { accountingPeriods, journalEntries } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { inSnapshot } from "../exports/snapshot-cursor";
import { nextCloseableMonth, notEndedReason, unreconciledReason } from "./closeable-month";
import { closedPeriodView } from "./period-view";
import type { PeriodsOverview } from "./types";

/** Closed months (newest first), the one that may be closed next, and how many late corrections the open period holds; one snapshot. */
export async function listPeriods(ctx: ServiceContext): Promise<PeriodsOverview> {
  const now = ctx.now();
  return inSnapshot(ctx.db, async (tx) => {
    const rows = await tx.select().from(accountingPeriods).orderBy(desc(accountingPeriods.periodStart));
    const next = await nextCloseableMonth(tx);
    let late = 0;
    if (next?.closed_through) {
      const [row] = await tx
        .select({ n: count() })
        .from(journalEntries)
        .where(and(isNotNull(journalEntries.occurredAt), gte(journalEntries.createdAt, next.closed_through)));
      late = Number(row?.n ?? 0);
    }
    const reason = next ? (notEndedReason(next.month, next.period, now) ?? (await unreconciledReason(tx, next.month, next.period, Boolean(ctx.stripe)))) : null;
    return {
      closed: rows.map(closedPeriodView),
      next_closeable: next ? { month: next.month, period: next.period, closeable: reason === null, reason } : null,
      late_entries_in_open_period: late,
    };
  });
}
