import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const transferUpdated: StripeEventHandler<"transfer.updated"> = async () => {
  throw new Error("transfer.updated handler not implemented yet");
};
