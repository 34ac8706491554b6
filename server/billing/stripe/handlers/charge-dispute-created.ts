import { handleDisputeEvent } from "../../adjustments/handle-adjustment-events";
import type { StripeEventHandler } from "./types";

/** `charge.dispute.created`: re-reads the dispute and converges the ledger on its balance transactions (server/billing/adjustments/apply-dispute.ts). */
export const chargeDisputeCreated: StripeEventHandler<"charge.dispute.created"> = (ctx, event) => handleDisputeEvent(ctx, event);
