import { handleRefundEvent } from "../../adjustments/handle-adjustment-events";
import type { StripeEventHandler } from "./types";

/** `refund.updated`: re-reads the refund; a failed or canceled one is given back once (server/billing/adjustments/apply-refund.ts). */
export const refundUpdated: StripeEventHandler<"refund.updated"> = (ctx, event) => handleRefundEvent(ctx, event);
