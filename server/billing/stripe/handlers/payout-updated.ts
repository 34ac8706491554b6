import { handleBankPayoutEvent } from "../../payouts/handle-payout-events";
import type { StripeEventHandler } from "./types";

/** `payout.updated`: a connected account's bank payout changed (e.g. in transit, arrival date); re-read and applied. */
export const payoutUpdated: StripeEventHandler<"payout.updated"> = (ctx, event) => handleBankPayoutEvent(ctx, event);
