import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const payoutPaid: StripeEventHandler<"payout.paid"> = async () => {
  throw new Error("payout.paid handler not implemented yet");
};
