import { handleTransferEvent } from "../../payouts/handle-payout-events";
import type { StripeEventHandler } from "./types";

/** `transfer.reversed`: each reversal returns its amount to payable, once (server/billing/payouts/apply-transfer.ts). */
export const transferReversed: StripeEventHandler<"transfer.reversed"> = (ctx, event) => handleTransferEvent(ctx, event);
