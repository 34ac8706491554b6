import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { stripeEvents } from "../../../db/schema";
import { STRIPE_CONNECT_EVENT_HANDLERS, STRIPE_EVENT_HANDLERS } from "./handlers";
import type { StripeEventHandler, StripeHandlerContext } from "./handlers/types";

/** Event type → handler. Production uses STRIPE_EVENT_HANDLERS; the worker accepts another registry (tests). */
export type StripeEventHandlers = { [T in Stripe.Event.Type]?: StripeEventHandler<T> };
/** The platform's own events, and connected accounts' (`event.account` set), each with its registry. */
export type StripeEventRegistries = { platform: StripeEventHandlers; connect: StripeEventHandlers };

export type ProcessOutcome =
  /** The handler ran and returned. */
  | "processed"
  /** No handler for the type: stored and marked ignored. */
  | "ignored"
  /** Already processed, ignored or failed (a stray or repeated job): nothing ran. */
  | "skipped"
  /** No such stored event. */
  | "missing";

/**
 * Runs one stored event's handler; the job queue calls it (workers/stripe-events.ts) with at most one job
 * per event queued or running (pg-boss `exclusive`, singleton key = event id), so one event never runs twice
 * at once. Events about the same object may run concurrently: handlers serialize on their own rows.
 *
 * Status moves only forward from `received`: processed | ignored (terminal), or, when the handler throws,
 * attempts + 1 and last_error, then `failed` if this was the queue's final attempt (`final`), else it stays
 * `received` and the error is rethrown so the queue retries with backoff. An operator's retry moves `failed`
 * back to `received` (server/billing/stripe/failed-events.ts). Every update is fenced on `status = received`.
 */
export async function processStripeEvent(
  ctx: StripeHandlerContext,
  input: { eventId: string; final: boolean; handlers?: Partial<StripeEventRegistries> },
): Promise<ProcessOutcome> {
  const db = ctx.services.db;
  const [row] = await db.select({ status: stripeEvents.status, type: stripeEvents.type, payload: stripeEvents.payload, account: stripeEvents.account }).from(stripeEvents).where(eq(stripeEvents.id, input.eventId));
  if (!row) return "missing";
  if (row.status !== "received") return "skipped";
  const fence = and(eq(stripeEvents.id, input.eventId), eq(stripeEvents.status, "received"));
  // A connected account's events (its account, its bank payouts) never reach a platform handler, nor the reverse:
  // a provider's Stripe objects must not be mistaken for a buyer's.
  const handlers = row.account ? (input.handlers?.connect ?? STRIPE_CONNECT_EVENT_HANDLERS) : (input.handlers?.platform ?? STRIPE_EVENT_HANDLERS);
  const handler = handlers[row.type as Stripe.Event.Type] as StripeEventHandler<Stripe.Event.Type> | undefined;
  if (!handler) {
    await db.update(stripeEvents).set({ status: "ignored", processedAt: ctx.services.now() }).where(fence);
    return "ignored";
  }
  const log = ctx.logger.child({ event_id: input.eventId, event_type: row.type });
  try {
    await handler(ctx, row.payload as Stripe.Event);
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await db
      .update(stripeEvents)
      .set({ attempts: sql`${stripeEvents.attempts} + 1`, lastError: message.slice(0, 2000), status: input.final ? "failed" : "received" })
      .where(fence);
    if (input.final) log.error({ err }, "Stripe event handler failed for the last time; the event is failed (Operations page)");
    else log.warn({ err }, "Stripe event handler failed; retrying with backoff");
    throw err;
  }
  await db
    .update(stripeEvents)
    .set({ status: "processed", processedAt: ctx.services.now(), attempts: sql`${stripeEvents.attempts} + 1`, lastError: null })
    .where(fence);
  return "processed";
}
