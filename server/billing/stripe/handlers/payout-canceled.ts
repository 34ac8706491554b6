import { handleBankPayoutEvent } from "../../payouts/handle-payout-events";
import type { StripeEventHandler } from "./types";

/** `payout.canceled`: the bank payout was canceled: the next run asks again (re-read, apply-bank-payout.ts). */
export const payoutCanceled: StripeEventHandler<"payout.canceled"> = (ctx, event) => handleBankPayoutEvent(ctx, event);
