import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const payoutFailed: StripeEventHandler<"payout.failed"> = async () => {
  throw new Error("payout.failed handler not implemented yet");
};
