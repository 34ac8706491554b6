import { handleDisputeEvent } from "../../adjustments/handle-adjustment-events";
import type { StripeEventHandler } from "./types";

/** `charge.dispute.closed`: re-reads the dispute and converges the ledger on its balance transactions (server/billing/adjustments/apply-dispute.ts). */
export const chargeDisputeClosed: StripeEventHandler<"charge.dispute.closed"> = (ctx, event) => handleDisputeEvent(ctx, event);
