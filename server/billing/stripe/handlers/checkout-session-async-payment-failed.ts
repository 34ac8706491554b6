import type { StripeEventHandler } from "./types";

/** `checkout.session.async_payment_failed` (top-ups). PLACEHOLDER until its helper lands it. */
export const checkoutSessionAsyncPaymentFailed: StripeEventHandler<"checkout.session.async_payment_failed"> = async () => {
  throw new Error("checkout.session.async_payment_failed: handler not written yet");
};
