import type { StripeEventHandler } from "./types";

/** `checkout.session.async_payment_succeeded` (top-ups). PLACEHOLDER until its helper lands it. */
export const checkoutSessionAsyncPaymentSucceeded: StripeEventHandler<"checkout.session.async_payment_succeeded"> = async () => {
  throw new Error("checkout.session.async_payment_succeeded: handler not written yet");
};
