import type { StripeEventHandler } from "./types";

/** `charge.dispute.updated` (disputes). PLACEHOLDER until its helper lands it. */
export const chargeDisputeUpdated: StripeEventHandler<"charge.dispute.updated"> = async () => {
  throw new Error("charge.dispute.updated: handler not written yet");
};
