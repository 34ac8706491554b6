import type { StripeEventHandler } from "./types";

/** `charge.dispute.created` (disputes). PLACEHOLDER until its helper lands it. */
export const chargeDisputeCreated: StripeEventHandler<"charge.dispute.created"> = async () => {
  throw new Error("charge.dispute.created: handler not written yet");
};
