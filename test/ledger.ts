import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { ledgerLines } from "../db/schema";

/** Σ amount_nanos of the ledger lines matching `where` (all of them by default): 0 when the books balance. */
export async function ledgerSumNanos(q: Queryable, where: SQL = sql`true`): Promise<bigint> {
  const [row] = await q.select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` }).from(ledgerLines).where(where);
  return BigInt(row!.total);
}
