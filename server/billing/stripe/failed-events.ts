import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { STRIPE_EVENT_STATUSES, stripeEvents, type StripeEventStatus } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import type { JobQueue } from "../../jobs/queue";

export type FailedStripeEvent = {
  id: string;
  type: string;
  object_id: string | null;
  account: string | null;
  attempts: number;
  last_error: string | null;
  stripe_created_at: Date;
  received_at: Date;
};

/** Events whose handler failed on every retry, oldest first: what an operator looks at and retries. */
export async function listFailedStripeEvents(ctx: Pick<ServiceContext, "db">, input: { limit?: number } = {}): Promise<FailedStripeEvent[]> {
  return ctx.db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      object_id: stripeEvents.objectId,
      account: stripeEvents.account,
      attempts: stripeEvents.attempts,
      last_error: stripeEvents.lastError,
      stripe_created_at: stripeEvents.stripeCreatedAt,
      received_at: stripeEvents.receivedAt,
    })
    .from(stripeEvents)
    .where(eq(stripeEvents.status, "failed"))
    .orderBy(asc(stripeEvents.receivedAt))
    .limit(input.limit ?? 500);
}

/** Stored events by status (every status present, 0 when none): the `spotlane_stripe_events` gauge and the Operations page. */
export async function countStripeEventsByStatus(ctx: Pick<ServiceContext, "db">): Promise<Record<StripeEventStatus, number>> {
  const rows = await ctx.db.select({ status: stripeEvents.status, n: sql<number>`count(*)::int` }).from(stripeEvents).groupBy(stripeEvents.status);
  const counts = Object.fromEntries(STRIPE_EVENT_STATUSES.map((s) => [s, 0])) as Record<StripeEventStatus, number>;
  for (const r of rows) if (r.status in counts) counts[r.status] = r.n;
  return counts;
}

/**
 * An operator's retry: failed events (these, or all) go back to `received` and are enqueued again, with a
 * fresh set of retries. Without a job queue in this process the workers' sweeper enqueues them.
 */
export async function retryFailedStripeEvents(ctx: Pick<ServiceContext, "db">, jobs: JobQueue | undefined, input: { eventIds?: string[] } = {}): Promise<{ requeued: string[] }> {
  const failed = eq(stripeEvents.status, "failed");
  const rows = await ctx.db
    .update(stripeEvents)
    .set({ status: "received" })
    .where(input.eventIds ? and(failed, inArray(stripeEvents.id, input.eventIds)) : failed)
    .returning({ id: stripeEvents.id });
  const requeued = rows.map((r) => r.id);
  // A send that fails leaves the row `received`: the sweeper enqueues it, so the retry is not lost.
  if (jobs) for (const id of requeued) await jobs.send("stripe-event", { eventId: id }, { singletonKey: id }).catch(() => null);
  return { requeued };
}
