import { desc, eq } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { payoutRuns } from "../../../db/schema";
import { nextPayoutRunAt, type PayoutPolicy } from "./policy";

/**
 * When the next scheduled payout run is due: PAYOUT_RUN_INTERVAL_HOURS after the last `schedule` run started
 * (at once if there never was one). Operator runs do not move the schedule: they pay what is payable early,
 * and the scheduled run still comes on its day.
 */
export async function nextScheduledRun(q: Queryable, now: Date, policy: Pick<PayoutPolicy, "run_interval_ms">): Promise<Date> {
  const [last] = await q.select({ startedAt: payoutRuns.startedAt }).from(payoutRuns).where(eq(payoutRuns.trigger, "schedule")).orderBy(desc(payoutRuns.startedAt)).limit(1);
  return nextPayoutRunAt(last?.startedAt ?? null, now, policy);
}

/** True when the leader should start a scheduled run now. */
export async function payoutRunDue(q: Queryable, now: Date, policy: Pick<PayoutPolicy, "run_interval_ms">): Promise<boolean> {
  return (await nextScheduledRun(q, now, policy)).getTime() <= now.getTime();
}
