import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const payoutUpdated: StripeEventHandler<"payout.updated"> = async () => {
  throw new Error("payout.updated handler not implemented yet");
};
