import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const transferReversed: StripeEventHandler<"transfer.reversed"> = async () => {
  throw new Error("transfer.reversed handler not implemented yet");
};
