import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const payoutCreated: StripeEventHandler<"payout.created"> = async () => {
  throw new Error("payout.created handler not implemented yet");
};
