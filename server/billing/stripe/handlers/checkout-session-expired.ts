import { handleCheckoutSessionEvent } from "../../top-ups/handle-checkout-event";
import type { StripeEventHandler } from "./types";

/** `checkout.session.expired` (top-ups). A session expired unpaid: the top-up is marked expired (a paid one is never touched). What happens is decided by re-reading the session, not by this event. */
export const checkoutSessionExpired: StripeEventHandler<"checkout.session.expired"> = (ctx, event) => handleCheckoutSessionEvent(ctx, event);
