import type { StripeEventHandler } from "./types";

/** `payment_intent.succeeded` (auto top-up). PLACEHOLDER until its helper lands it. */
export const paymentIntentSucceeded: StripeEventHandler<"payment_intent.succeeded"> = async () => {
  throw new Error("payment_intent.succeeded: handler not written yet");
};
