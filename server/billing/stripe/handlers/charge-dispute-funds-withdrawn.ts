import type { StripeEventHandler } from "./types";

/** `charge.dispute.funds_withdrawn` (disputes). PLACEHOLDER until its helper lands it. */
export const chargeDisputeFundsWithdrawn: StripeEventHandler<"charge.dispute.funds_withdrawn"> = async () => {
  throw new Error("charge.dispute.funds_withdrawn: handler not written yet");
};
