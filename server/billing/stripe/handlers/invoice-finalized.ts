import { syncInvoice } from "../../invoicing/sync-invoice";
import type { StripeEventHandler } from "./types";

/** `invoice.finalized`: an invoiced organization's monthly invoice is issued; recorded from a fresh read (invoicing/sync-invoice.ts). */
export const invoiceFinalized: StripeEventHandler<"invoice.finalized"> = async (ctx, event) => {
  const result = await syncInvoice(ctx.services, { invoiceId: event.data.object.id, eventCreatedAt: new Date(event.created * 1000) });
  if (!result.applied) ctx.logger.debug({ event: event.id, reason: result.reason }, "invoice.finalized: not an invoicing invoice");
};
