import { lt } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { canaryRuns } from "../../../db/schema";

/** How long canary history is kept: the rules look at the latest few dozen runs; the dashboard at weeks. */
export const CANARY_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Deletes canary runs older than the retention window (about 1,440 a day per offer at the default cadence). */
export async function pruneCanaryRuns(db: Db, input: { now: Date; retention_ms?: number }): Promise<number> {
  const cutoff = new Date(input.now.getTime() - (input.retention_ms ?? CANARY_RETENTION_MS));
  const deleted = await db.delete(canaryRuns).where(lt(canaryRuns.at, cutoff)).returning({ id: canaryRuns.id });
  return deleted.length;
}
