import type { StripeEventHandler } from "./types";

/** `refund.updated` (refunds). PLACEHOLDER until its helper lands it. */
export const refundUpdated: StripeEventHandler<"refund.updated"> = async () => {
  throw new Error("refund.updated: handler not written yet");
};
