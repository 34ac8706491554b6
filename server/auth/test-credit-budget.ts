import { and, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { journalEntries } from "../../db/schema";

const HOUR_MS = 3_600_000;

/**
 * Whether a new sign-up's organization may still get the local test credit this hour. Counted from the
 * ledger, so it holds across restarts and replicas; concurrent sign-ups may pass it together, which the
 * per-IP sign-up limit (rate-limits.ts) keeps to a handful. Past the budget an organization starts at zero.
 */
export async function testCreditAvailable(db: Db, input: { grants_per_hour: number; now: Date }): Promise<boolean> {
  if (input.grants_per_hour <= 0) return false;
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(journalEntries)
    .where(and(eq(journalEntries.kind, "test_credit_grant"), gt(journalEntries.createdAt, new Date(input.now.getTime() - HOUR_MS))));
  return (row?.n ?? 0) < input.grants_per_hour;
}
