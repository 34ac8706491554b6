import type { StripeEventHandler } from "./types";

/** `refund.created` (refunds). PLACEHOLDER until its helper lands it. */
export const refundCreated: StripeEventHandler<"refund.created"> = async () => {
  throw new Error("refund.created: handler not written yet");
};
