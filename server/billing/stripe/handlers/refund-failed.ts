import type { StripeEventHandler } from "./types";

/** `refund.failed` (refunds). PLACEHOLDER until its helper lands it. */
export const refundFailed: StripeEventHandler<"refund.failed"> = async () => {
  throw new Error("refund.failed: handler not written yet");
};
