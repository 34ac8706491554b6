import { handleChargeRefunded } from "../../adjustments/handle-adjustment-events";
import type { StripeEventHandler } from "./types";

/** `charge.refunded`: applies every refund of the charge, re-read from Stripe (server/billing/adjustments). */
export const chargeRefunded: StripeEventHandler<"charge.refunded"> = (ctx, event) => handleChargeRefunded(ctx, event);
