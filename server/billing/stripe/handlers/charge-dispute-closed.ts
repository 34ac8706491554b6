import type { StripeEventHandler } from "./types";

/** `charge.dispute.closed` (disputes). PLACEHOLDER until its helper lands it. */
export const chargeDisputeClosed: StripeEventHandler<"charge.dispute.closed"> = async () => {
  throw new Error("charge.dispute.closed: handler not written yet");
};
