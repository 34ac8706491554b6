import { handleCheckoutSessionEvent } from "../../top-ups/handle-checkout-event";
import type { StripeEventHandler } from "./types";

/** `checkout.session.completed` (top-ups). A session completed: paid (cards) is credited at once; unpaid (async bank debits) stays pending until it settles. What happens is decided by re-reading the session, not by this event. */
export const checkoutSessionCompleted: StripeEventHandler<"checkout.session.completed"> = (ctx, event) => handleCheckoutSessionEvent(ctx, event);
