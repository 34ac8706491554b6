import { handleDisputeEvent } from "../../adjustments/handle-adjustment-events";
import type { StripeEventHandler } from "./types";

/** `charge.dispute.updated`: re-reads the dispute and converges the ledger on its balance transactions (server/billing/adjustments/apply-dispute.ts). */
export const chargeDisputeUpdated: StripeEventHandler<"charge.dispute.updated"> = (ctx, event) => handleDisputeEvent(ctx, event);
