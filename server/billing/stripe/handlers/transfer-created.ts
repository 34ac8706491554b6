import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const transferCreated: StripeEventHandler<"transfer.created"> = async () => {
  throw new Error("transfer.created handler not implemented yet");
};
