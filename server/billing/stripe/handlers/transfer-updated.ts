import { handleTransferEvent } from "../../payouts/handle-payout-events";
import type { StripeEventHandler } from "./types";

/** `transfer.updated`: re-reads the transfer and books any new reversal (server/billing/payouts/apply-transfer.ts). */
export const transferUpdated: StripeEventHandler<"transfer.updated"> = (ctx, event) => handleTransferEvent(ctx, event);
