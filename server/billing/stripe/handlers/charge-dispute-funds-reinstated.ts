import { handleDisputeEvent } from "../../adjustments/handle-adjustment-events";
import type { StripeEventHandler } from "./types";

/** `charge.dispute.funds_reinstated`: re-reads the dispute and converges the ledger on its balance transactions (server/billing/adjustments/apply-dispute.ts). */
export const chargeDisputeFundsReinstated: StripeEventHandler<"charge.dispute.funds_reinstated"> = (ctx, event) => handleDisputeEvent(ctx, event);
