import { handleBankPayoutEvent } from "../../payouts/handle-payout-events";
import type { StripeEventHandler } from "./types";

/** `payout.failed`: the bank payout failed: its message is shown and the next run asks again (re-read, apply-bank-payout.ts). */
export const payoutFailed: StripeEventHandler<"payout.failed"> = (ctx, event) => handleBankPayoutEvent(ctx, event);
