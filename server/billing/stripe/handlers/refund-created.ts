import { handleRefundEvent } from "../../adjustments/handle-adjustment-events";
import type { StripeEventHandler } from "./types";

/** `refund.created`: re-reads the refund and posts `refund:<re_id>` once (server/billing/adjustments/apply-refund.ts). */
export const refundCreated: StripeEventHandler<"refund.created"> = (ctx, event) => handleRefundEvent(ctx, event);
