import { handleAutoTopUpPaymentIntentEvent } from "../../auto-top-up/sync-payment-intent";
import type { StripeEventHandler } from "./types";

/**
 * `payment_intent.payment_failed`: an auto top-up's charge was declined or needs 3-D Secure. Re-reads the
 * PaymentIntent (what it says now wins over the event: a late success still credits), then fails the attempt
 * and turns auto top-up off with the reason, once; Checkout top-ups' PaymentIntents are ignored.
 */
export const paymentIntentPaymentFailed: StripeEventHandler<"payment_intent.payment_failed"> = async (ctx, event) => {
  await handleAutoTopUpPaymentIntentEvent(ctx.services, event.data.object, ctx.logger);
};
