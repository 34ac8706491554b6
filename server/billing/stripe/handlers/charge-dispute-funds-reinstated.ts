import type { StripeEventHandler } from "./types";

/** `charge.dispute.funds_reinstated` (disputes). PLACEHOLDER until its helper lands it. */
export const chargeDisputeFundsReinstated: StripeEventHandler<"charge.dispute.funds_reinstated"> = async () => {
  throw new Error("charge.dispute.funds_reinstated: handler not written yet");
};
