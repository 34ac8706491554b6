import type Stripe from "stripe";
import type { StripeEventOf, StripeHandlerContext } from "../stripe/handlers/types";
import { applyBankPayout } from "./apply-bank-payout";
import { applyTransfer } from "./apply-transfer";

/**
 * transfer.created | updated | reversed (the platform's own objects): the transfer is re-read and applied
 * (apply-transfer.ts). A transfer claiming to be a payout's that does not fit it books nothing and is logged
 * loudly; retrying would not change Stripe's answer, so the event is not failed.
 */
export async function handleTransferEvent(ctx: StripeHandlerContext, event: StripeEventOf<"transfer.created" | "transfer.updated" | "transfer.reversed">): Promise<void> {
  const result = await applyTransfer(ctx.services, event.data.object.id);
  if (result.outcome === "mismatch") ctx.logger.error({ transfer_id: event.data.object.id, payout_id: result.payoutId, reason: result.reason }, "Stripe transfer does not fit its payout; nothing booked (operators: reconcile by hand)");
}

type BankPayoutEventType = "payout.created" | "payout.updated" | "payout.paid" | "payout.failed" | "payout.canceled";

/** payout.* from a connected account (`event.account`): its bank payout, re-read on that account and applied (apply-bank-payout.ts). */
export async function handleBankPayoutEvent(ctx: StripeHandlerContext, event: StripeEventOf<BankPayoutEventType>): Promise<void> {
  const payout: Stripe.Payout = event.data.object;
  // The platform's own payouts (no `account`) are not providers' and never reach here (process-event.ts routes by account).
  if (!event.account) return;
  const { outcome } = await applyBankPayout(ctx.services, { stripeAccountId: event.account, payoutId: payout.id });
  if (outcome === "ignored") ctx.logger.debug({ stripe_account_id: event.account, payout_id: payout.id }, "bank payout that is not one of ours (e.g. from the Express dashboard); ignored");
}
