import type { StripeEventHandler } from "./types";

// PLACEHOLDER (lead): the owning helper replaces this body.
export const accountApplicationDeauthorized: StripeEventHandler<"account.application.deauthorized"> = async () => {
  throw new Error("account.application.deauthorized handler not implemented yet");
};
