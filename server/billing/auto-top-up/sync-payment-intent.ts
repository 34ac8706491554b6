import { and, eq, isNull } from "drizzle-orm";
import type Stripe from "stripe";
import { topUps } from "../../../db/schema";
import { centsToNanos } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import type { Logger } from "../../logger";
import type { StripeBilling } from "../stripe/client";
import { applyAutoTopUpPaymentIntent, type AutoTopUpChargeOutcome } from "./apply-payment-intent";

export type PaymentIntentSyncResult = { outcome: AutoTopUpChargeOutcome | "not_ours"; topUpId: string | null };

/**
 * What the payment_intent.* webhooks do: re-read the PaymentIntent from Stripe (an event body may be stale,
 * repeated or out of order) and apply its current state to the auto top-up it names. PaymentIntents of Checkout
 * top-ups are left to the checkout.session handlers; anything that does not match its top-up exactly (another
 * organization, another amount, another PaymentIntent) is refused loudly and never credited. Stripe errors throw
 * (the event is retried).
 */
export async function syncAutoTopUpPaymentIntent(ctx: ServiceContext & { stripe: StripeBilling }, paymentIntentId: string, logger?: Logger): Promise<PaymentIntentSyncResult> {
  const pi = await ctx.stripe.client.paymentIntents.retrieve(paymentIntentId, { expand: ["latest_charge"] });
  const topUpId = pi.metadata?.top_up_id;
  if (!topUpId) return { outcome: "not_ours", topUpId: null };
  const [topUp] = await ctx.db.select().from(topUps).where(eq(topUps.id, topUpId));
  if (!topUp || topUp.kind !== "auto") return { outcome: "not_ours", topUpId: topUp?.id ?? null };
  const mismatch = mismatchOf(topUp, pi);
  if (mismatch) {
    logger?.error({ top_up_id: topUp.id, payment_intent_id: pi.id, status: pi.status, mismatch }, "payment intent does not match its auto top-up; not applied");
    return { outcome: "not_ours", topUpId: topUp.id };
  }
  // The webhook may arrive before runAutoTopUp has stored the id it got back: store it here then.
  await ctx.db.update(topUps).set({ stripePaymentIntentId: pi.id }).where(and(eq(topUps.id, topUp.id), isNull(topUps.stripePaymentIntentId)));
  return { outcome: await applyAutoTopUpPaymentIntent(ctx, topUp, pi), topUpId: topUp.id };
}

function mismatchOf(topUp: typeof topUps.$inferSelect, pi: Stripe.PaymentIntent): string | null {
  if (pi.metadata.organization_id !== topUp.organizationId) return `organization ${pi.metadata.organization_id ?? "(none)"} ≠ ${topUp.organizationId}`;
  if (pi.currency !== "usd") return `currency ${pi.currency}`;
  if (centsToNanos(pi.amount) !== topUp.amountNanos) return `amount ${pi.amount} cents ≠ ${topUp.amountNanos} nanos`;
  if (topUp.stripePaymentIntentId && topUp.stripePaymentIntentId !== pi.id) return `top-up is paid by ${topUp.stripePaymentIntentId}`;
  return null;
}

/**
 * The payment_intent.* handlers' entry: most PaymentIntents are Checkout top-ups', which their session handlers
 * fulfil, so those are skipped without a call to Stripe. The event body only decides what to skip (its
 * metadata is what we set at creation and the kind is our own row's); what to apply is always re-read.
 */
export async function handleAutoTopUpPaymentIntentEvent(ctx: ServiceContext & { stripe: StripeBilling }, body: Stripe.PaymentIntent, logger?: Logger): Promise<PaymentIntentSyncResult> {
  const topUpId = body.metadata?.top_up_id;
  if (!topUpId) return { outcome: "not_ours", topUpId: null };
  const [topUp] = await ctx.db.select({ kind: topUps.kind }).from(topUps).where(eq(topUps.id, topUpId));
  if (topUp?.kind !== "auto") return { outcome: "not_ours", topUpId: topUp ? topUpId : null };
  return syncAutoTopUpPaymentIntent(ctx, body.id, logger);
}
