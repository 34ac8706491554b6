import type { StripeEventHandler } from "./types";

/** `invoice.finalized` (invoicing). PLACEHOLDER until its helper lands it. */
export const invoiceFinalized: StripeEventHandler<"invoice.finalized"> = async () => {
  throw new Error("invoice.finalized: handler not written yet");
};
