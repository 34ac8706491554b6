import { handleBankPayoutEvent } from "../../payouts/handle-payout-events";
import type { StripeEventHandler } from "./types";

/** `payout.created`: a connected account's bank payout, re-read and applied to ours (server/billing/payouts/apply-bank-payout.ts). */
export const payoutCreated: StripeEventHandler<"payout.created"> = (ctx, event) => handleBankPayoutEvent(ctx, event);
