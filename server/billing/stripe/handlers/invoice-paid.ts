import { syncInvoice } from "../../invoicing/sync-invoice";
import type { StripeEventHandler } from "./types";

/**
 * `invoice.paid`: credits the organization's balance with what was paid, once (journal `invoice:<id>:paid`),
 * and puts it back in good standing unless another failed invoice is still open (invoicing/sync-invoice.ts).
 */
export const invoicePaid: StripeEventHandler<"invoice.paid"> = async (ctx, event) => {
  const result = await syncInvoice(ctx.services, { invoiceId: event.data.object.id, eventCreatedAt: new Date(event.created * 1000) });
  if (!result.applied) ctx.logger.debug({ event: event.id, reason: result.reason }, "invoice.paid: not an invoicing invoice");
  else if (result.credited_now) ctx.logger.info({ event: event.id, organizationId: result.organizationId }, "invoice paid: balance credited");
};
