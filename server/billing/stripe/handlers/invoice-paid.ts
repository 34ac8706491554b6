import type { StripeEventHandler } from "./types";

/** `invoice.paid` (invoicing). PLACEHOLDER until its helper lands it. */
export const invoicePaid: StripeEventHandler<"invoice.paid"> = async () => {
  throw new Error("invoice.paid: handler not written yet");
};
