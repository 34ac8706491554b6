import { and, asc, eq, lt, sql } from "drizzle-orm";
import { stripeEvents } from "../db/schema";
import { requireStripe } from "../server/billing/stripe/client";
import { processStripeEvent, type StripeEventRegistries } from "../server/billing/stripe/process-event";
import { fallbackLogger } from "../server/logger";
import { repeatEvery } from "./repeat";
import type { Worker } from "./worker";

/** Stored events processed at once by this process (each handler mostly waits on Stripe). */
const CONCURRENCY = 4;
/** Re-enqueued per sweep; the rest wait for the next one. */
const SWEEP_BATCH = 200;

/**
 * Processes stored Stripe events from the job queue (`stripe-event` jobs, one per event id), and sweeps:
 * every STRIPE_EVENT_SWEEP_INTERVAL_MS (and once at start) it enqueues `received` events older than that
 * interval. The webhook enqueues as it stores, so the sweep only matters when that enqueue never happened
 * (a process died between the two, a queue outage, a web-only process) or was lost; an event whose job is
 * still queued, backing off or running is not enqueued twice (the queue's singleton key).
 * `handlers` replaces the registry (tests); production uses STRIPE_EVENT_HANDLERS and STRIPE_CONNECT_EVENT_HANDLERS.
 */
export function createStripeEventsWorker(opts: { handlers?: Partial<StripeEventRegistries> } = {}): Worker {
  return {
    name: "stripe-events",
    async start(rt) {
      const jobs = rt.jobs;
      // Without Stripe no event can be stored (the endpoint answers 404) nor handled (handlers call Stripe).
      if (!jobs || !rt.services.stripe) return async () => {};
      const logger = (rt.logger ?? fallbackLogger()).child({ component: "stripe-events" });
      const ctx = { services: requireStripe(rt.services), jobs, logger };
      await jobs.work("stripe-event", async ({ eventId }, run) => void (await processStripeEvent(ctx, { eventId, final: run.final, handlers: opts.handlers })), { concurrency: CONCURRENCY });

      const interval_ms = rt.env.STRIPE_EVENT_SWEEP_INTERVAL_MS;
      const sweep = async () => {
        const stale = await rt.services.db
          .select({ id: stripeEvents.id })
          .from(stripeEvents)
          .where(and(eq(stripeEvents.status, "received"), lt(stripeEvents.receivedAt, sql`now() - make_interval(secs => ${interval_ms / 1000})`)))
          .orderBy(asc(stripeEvents.receivedAt))
          .limit(SWEEP_BATCH);
        let enqueued = 0;
        for (const { id } of stale) if ((await jobs.send("stripe-event", { eventId: id }, { singletonKey: id })) !== null) enqueued++;
        if (enqueued > 0) logger.info({ enqueued }, "enqueued stored Stripe events that had no job");
      };
      const loop = repeatEvery({ interval_ms, tick: sweep, immediate: true, onError: (err) => logger.warn({ err }, "Stripe event sweep failed; next one in an interval") });
      return () => loop.stop();
    },
  };
}

export const stripeEventsWorker: Worker = createStripeEventsWorker();
