import { handleTransferEvent } from "../../payouts/handle-payout-events";
import type { StripeEventHandler } from "./types";

/** `transfer.created`: books the transfer if the payout job died before it could (server/billing/payouts/apply-transfer.ts). */
export const transferCreated: StripeEventHandler<"transfer.created"> = (ctx, event) => handleTransferEvent(ctx, event);
