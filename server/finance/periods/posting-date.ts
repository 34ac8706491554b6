import { max, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { accountingPeriods } from "../../../db/schema";

/**
 * The advisory lock between postings and a period close (server/finance/README.md, "Period close"): every
 * posting transaction holds it shared while it dates its entries, a close holds it exclusively while it
 * freezes balances, so no entry can be dated into a period between the close's read and its commit.
 */
export const LEDGER_PERIOD_LOCK_KEY = 7_341_001;

/**
 * The start of the open period: the latest closed period's end, or null when nothing is closed. Takes the
 * shared period lock first (held to the end of the caller's transaction), then reads, so a concurrent close
 * either finished before (and is seen) or waits for this transaction.
 */
export async function openPeriodStart(q: Queryable): Promise<Date | null> {
  await q.execute(sql`select pg_advisory_xact_lock_shared(${LEDGER_PERIOD_LOCK_KEY})`);
  const [row] = await q.select({ closedThrough: max(accountingPeriods.periodEnd) }).from(accountingPeriods);
  return row?.closedThrough ?? null;
}

/**
 * Where an event happening at `at` is posted: at `at`, or — when `at` is inside a closed period — at the open
 * period's start, with `occurred_at` keeping when it really happened (a late correction of the closed period).
 */
export function postingDate(at: Date, open_period_start: Date | null): { created_at: Date; occurred_at: Date | null } {
  if (open_period_start && at.getTime() < open_period_start.getTime()) return { created_at: open_period_start, occurred_at: at };
  return { created_at: at, occurred_at: null };
}
