import type { StripeEventHandler } from "./types";

/** `charge.refunded` (refunds). PLACEHOLDER until its helper lands it. */
export const chargeRefunded: StripeEventHandler<"charge.refunded"> = async () => {
  throw new Error("charge.refunded: handler not written yet");
};
