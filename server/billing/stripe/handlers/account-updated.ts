import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const accountUpdated: StripeEventHandler<"account.updated"> = async () => {
  throw new Error("account.updated handler not implemented yet");
};
