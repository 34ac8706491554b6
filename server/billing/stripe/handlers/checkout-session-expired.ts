import type { StripeEventHandler } from "./types";

/** `checkout.session.expired` (top-ups). PLACEHOLDER until its helper lands it. */
export const checkoutSessionExpired: StripeEventHandler<"checkout.session.expired"> = async () => {
  throw new Error("checkout.session.expired: handler not written yet");
};
