import { handleAutoTopUpPaymentIntentEvent } from "../../auto-top-up/sync-payment-intent";
import type { StripeEventHandler } from "./types";

/**
 * `payment_intent.succeeded`: an auto top-up's off-session charge went through (runAutoTopUp usually credits it
 * first; this covers a crash or a charge that was still processing). Re-reads the PaymentIntent and credits its
 * top-up exactly once; Checkout top-ups' PaymentIntents are ignored (their session handlers fulfil them).
 */
export const paymentIntentSucceeded: StripeEventHandler<"payment_intent.succeeded"> = async (ctx, event) => {
  await handleAutoTopUpPaymentIntentEvent(ctx.services, event.data.object, ctx.logger);
};
