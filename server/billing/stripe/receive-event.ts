import type Stripe from "stripe";
import { stripeEvents } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import type { JobQueue } from "../../jobs/queue";
import type { Logger } from "../../logger";
import type { StripeBilling } from "./client";

export type ReceivedEvent = { eventId: string; type: string; duplicate: boolean; enqueued: boolean };

/**
 * A webhook delivery: verify the raw bytes against the endpoint's secret, store the event (unique by
 * Stripe's id, so a repeat is a no-op), enqueue its processing, and return — the HTTP answer must not wait
 * for handlers (Stripe times out and retries). Nothing is stored unless the signature holds.
 *
 * Throws `invalid_input` for a missing or bad signature, a stale timestamp (Stripe's 300 s tolerance) or a
 * body that is not an event; a storage failure propagates (500: Stripe retries). An enqueue failure after
 * storing is logged and swallowed: the stored row is the record, and the stripe-events worker's sweeper
 * enqueues `received` rows that no job picked up. Without a job queue in this process (workers off), the
 * sweeper of the process that runs them picks the event up the same way.
 */
export async function receiveStripeEvent(
  ctx: { services: ServiceContext & { stripe: StripeBilling }; jobs: JobQueue | undefined; logger: Logger },
  input: { raw: Buffer; signature: string | undefined },
): Promise<ReceivedEvent> {
  const { stripe } = ctx.services;
  if (!input.signature) throw new ServiceError("invalid_input", "Missing Stripe-Signature header: this endpoint only accepts events signed by Stripe.");
  let event: Stripe.Event;
  try {
    event = constructWithEither(stripe, input.raw, input.signature);
  } catch (err) {
    // The SDK's messages say what is wrong (no signature for the secret, timestamp outside the tolerance) without leaking it.
    const reason = err instanceof Error ? err.message.split("\n")[0] : "invalid event";
    throw new ServiceError("invalid_input", `Stripe signature verification failed: ${reason}`);
  }
  if (typeof event?.id !== "string" || typeof event.type !== "string" || typeof event.created !== "number" || !event.data?.object) {
    throw new ServiceError("invalid_input", "The signed body is not a Stripe event (expected id, type, created and data.object).");
  }
  const object = event.data.object as { id?: unknown };
  const inserted = await ctx.services.db
    .insert(stripeEvents)
    .values({
      id: event.id,
      type: event.type,
      account: event.account ?? null,
      livemode: event.livemode === true,
      apiVersion: event.api_version ?? null,
      stripeCreatedAt: new Date(event.created * 1000),
      objectId: typeof object.id === "string" ? object.id : null,
      payload: event,
    })
    .onConflictDoNothing({ target: stripeEvents.id })
    .returning({ id: stripeEvents.id });
  const duplicate = inserted.length === 0;
  let enqueued = false;
  if (!duplicate && ctx.jobs) {
    try {
      enqueued = (await ctx.jobs.send("stripe-event", { eventId: event.id }, { singletonKey: event.id })) !== null;
    } catch (err) {
      ctx.logger.warn({ err, event_id: event.id }, "stored a Stripe event but could not enqueue it; the sweeper will");
    }
  }
  return { eventId: event.id, type: event.type, duplicate, enqueued };
}

/** The platform endpoint's secret, then the Connect endpoint's (STRIPE_CONNECT_WEBHOOK_SECRET), when there is one. */
function constructWithEither(stripe: StripeBilling, raw: Buffer, signature: string): Stripe.Event {
  try {
    return stripe.client.webhooks.constructEvent(raw, signature, stripe.webhook_secret);
  } catch (err) {
    if (!stripe.connect_webhook_secret) throw err;
    return stripe.client.webhooks.constructEvent(raw, signature, stripe.connect_webhook_secret);
  }
}
