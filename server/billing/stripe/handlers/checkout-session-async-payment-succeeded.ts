import { handleCheckoutSessionEvent } from "../../top-ups/handle-checkout-event";
import type { StripeEventHandler } from "./types";

/** `checkout.session.async_payment_succeeded` (top-ups). An async payment (bank debit) of a completed session settled: the top-up is credited. What happens is decided by re-reading the session, not by this event. */
export const checkoutSessionAsyncPaymentSucceeded: StripeEventHandler<"checkout.session.async_payment_succeeded"> = (ctx, event) => handleCheckoutSessionEvent(ctx, event);
