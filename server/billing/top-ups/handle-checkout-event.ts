import type { StripeHandlerContext } from "../stripe/handlers/types";
import { fulfilCheckoutSession } from "./fulfil-checkout-session";

/**
 * What every checkout.session.* handler does: fulfil by the session's id alone (the event body is neither
 * trusted nor needed, so duplicates, reordering and stale bodies change nothing). Sessions that are not
 * Spotlane top-ups are ignored; Stripe or database errors throw, so the job retries.
 */
export async function handleCheckoutSessionEvent(ctx: StripeHandlerContext, event: { id: string; type: string; data: { object: { id: string } } }): Promise<void> {
  const logger = ctx.logger.child({ stripe_event_id: event.id, stripe_event_type: event.type });
  const result = await fulfilCheckoutSession(ctx.services, { checkoutSessionId: event.data.object.id, logger });
  if (!result) logger.debug({ checkout_session_id: event.data.object.id }, "checkout session is not a Spotlane top-up; ignored");
  else if (result.credited_now) logger.info({ top_up_id: result.topUpId }, "top-up credited");
}
