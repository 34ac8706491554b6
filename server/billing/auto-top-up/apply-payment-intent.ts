import type Stripe from "stripe";
import type { ServiceContext } from "../../context";
import { creditTopUp } from "../top-ups/credit-top-up";
import { failAutoTopUp } from "./fail-auto-top-up";
import { autoTopUpFailureReason } from "./failure-reason";

export type AutoTopUpChargeOutcome = "charged" | "pending" | "failed";

/**
 * Applies what Stripe says about an auto top-up's PaymentIntent (as just returned or re-read, never an event
 * body) to its top-up: succeeded → credited (creditTopUp: exactly once), processing → still pending (a webhook
 * finishes it), anything else → failed and auto top-up off. Every transition is monotonic, so runAutoTopUp and
 * the payment_intent webhooks may apply the same PaymentIntent in any order, any number of times.
 */
export async function applyAutoTopUpPaymentIntent(
  ctx: ServiceContext,
  topUp: { id: string; organizationId: string },
  pi: Stripe.PaymentIntent,
): Promise<AutoTopUpChargeOutcome> {
  const at = ctx.now();
  if (pi.status === "succeeded") {
    const charge = typeof pi.latest_charge === "object" ? pi.latest_charge : null;
    const chargeId = typeof pi.latest_charge === "string" ? pi.latest_charge : (charge?.id ?? null);
    await ctx.db.transaction((tx) => creditTopUp(tx, { topUpId: topUp.id, payment: { stripePaymentIntentId: pi.id, stripeChargeId: chargeId, receiptUrl: charge?.receipt_url ?? null }, at }));
    return "charged";
  }
  // processing: the charge is under way (rare for cards); requires_capture never happens (automatic capture).
  if (pi.status === "processing" || pi.status === "requires_capture") return "pending";
  // requires_payment_method (declined), requires_action (3-D Secure, which off-session cannot answer), canceled.
  const failure = pi.last_payment_error ?? (pi.status === "requires_action" ? { code: "authentication_required" } : { code: "card_declined" });
  const reason = autoTopUpFailureReason(failure);
  await ctx.db.transaction((tx) => failAutoTopUp(tx, { topUpId: topUp.id, organizationId: topUp.organizationId, reason, at }));
  return "failed";
}
