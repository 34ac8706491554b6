import { handleRefundEvent } from "../../adjustments/handle-adjustment-events";
import type { StripeEventHandler } from "./types";

/** `refund.failed`: re-reads the refund and posts `refund:<re_id>:reversed` once (server/billing/adjustments/apply-refund.ts). */
export const refundFailed: StripeEventHandler<"refund.failed"> = (ctx, event) => handleRefundEvent(ctx, event);
