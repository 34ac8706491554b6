import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const payoutCanceled: StripeEventHandler<"payout.canceled"> = async () => {
  throw new Error("payout.canceled handler not implemented yet");
};
