import { handleBankPayoutEvent } from "../../payouts/handle-payout-events";
import type { StripeEventHandler } from "./types";

/** `payout.paid`: the provider's bank payout arrived: the payout becomes paid (re-read, server/billing/payouts/apply-bank-payout.ts). */
export const payoutPaid: StripeEventHandler<"payout.paid"> = (ctx, event) => handleBankPayoutEvent(ctx, event);
