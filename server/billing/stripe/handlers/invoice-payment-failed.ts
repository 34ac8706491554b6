import { syncInvoice } from "../../invoicing/sync-invoice";
import type { StripeEventHandler } from "./types";

/** `invoice.payment_failed`: the organization is past due (admission answers 402) until the invoice is paid (invoicing/sync-invoice.ts). */
export const invoicePaymentFailed: StripeEventHandler<"invoice.payment_failed"> = async (ctx, event) => {
  const result = await syncInvoice(ctx.services, { invoiceId: event.data.object.id, eventCreatedAt: new Date(event.created * 1000), paymentFailed: true });
  if (!result.applied) ctx.logger.debug({ event: event.id, reason: result.reason }, "invoice.payment_failed: not an invoicing invoice");
  else if (result.standing === "past_due") ctx.logger.warn({ event: event.id, organizationId: result.organizationId }, "invoice payment failed: organization past due");
};
