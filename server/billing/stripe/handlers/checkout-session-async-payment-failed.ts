import { handleCheckoutSessionEvent } from "../../top-ups/handle-checkout-event";
import type { StripeEventHandler } from "./types";

/** `checkout.session.async_payment_failed` (top-ups). An async payment of a completed session failed: the top-up is marked failed with Stripe's reason. What happens is decided by re-reading the session, not by this event. */
export const checkoutSessionAsyncPaymentFailed: StripeEventHandler<"checkout.session.async_payment_failed"> = (ctx, event) => handleCheckoutSessionEvent(ctx, event);
