import type { StripeEventHandler } from "./types";

/** `invoice.payment_failed` (invoicing). PLACEHOLDER until its helper lands it. */
export const invoicePaymentFailed: StripeEventHandler<"invoice.payment_failed"> = async () => {
  throw new Error("invoice.payment_failed: handler not written yet");
};
