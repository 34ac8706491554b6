import type { StripeEventHandler } from "./types";

/** `payment_intent.payment_failed` (auto top-up). PLACEHOLDER until its helper lands it. */
export const paymentIntentPaymentFailed: StripeEventHandler<"payment_intent.payment_failed"> = async () => {
  throw new Error("payment_intent.payment_failed: handler not written yet");
};
