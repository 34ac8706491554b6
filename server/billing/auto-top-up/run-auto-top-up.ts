import { and, eq, isNull } from "drizzle-orm";
import Stripe from "stripe";
import { z } from "zod";
import { topUps } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { requireStripe, stripeAmountCents, type StripeBilling } from "../stripe/client";
import { ensureStripeCustomer } from "../stripe/ensure-customer";
import { markTopUpUnpaid } from "../top-ups/credit-top-up";
import { applyAutoTopUpPaymentIntent } from "./apply-payment-intent";
import { failAutoTopUp } from "./fail-auto-top-up";
import { autoTopUpFailureReason } from "./failure-reason";
import { releaseAttempt, startAutoTopUpAttempt, type AttemptRow } from "./start-attempt";

export type AutoTopUpOutcome = "not_needed" | "charged" | "pending" | "failed" | "in_progress";

/**
 * Stripe keeps an idempotency key's result for 24 hours. An attempt that never learnt its PaymentIntent within
 * (a little less than) that is given up rather than re-sent under a key Stripe may have forgotten, which could
 * charge twice. Had the charge gone through after all, its payment_intent.succeeded webhook still credits it.
 */
export const IDEMPOTENCY_WINDOW_MS = 23 * 3600_000;
export const UNCONFIRMED_REASON = "Stripe never confirmed this charge; if your card was charged after all, the credit is added when Stripe reports it.";
export const NO_CARD_REASON = "There is no saved card to charge: pay one top-up by card first; its card is saved for auto top-up.";

const runInput = z.object({ organizationId: z.string().min(1).max(64) });

export const paymentIntentIdempotencyKey = (topUpId: string) => `top_up:${topUpId}:payment_intent`;

/**
 * The off-session charge of one attempt. Every parameter comes from the attempt's row (amount, card) or never
 * changes (customer, metadata), so a retry under the same idempotency key sends the same request and Stripe
 * answers it with the same PaymentIntent instead of charging again.
 */
export function autoTopUpPaymentIntentParams(topUp: Pick<AttemptRow, "id" | "organizationId" | "amountNanos">, customerId: string, paymentMethodId: string): Stripe.PaymentIntentCreateParams {
  return {
    amount: stripeAmountCents(topUp.amountNanos),
    currency: "usd",
    customer: customerId,
    payment_method: paymentMethodId,
    off_session: true,
    confirm: true,
    // Stripe otherwise offers every method enabled in the Dashboard, some of which redirect, and refuses to
    // confirm without a return_url that nobody off-session could follow; a saved card never redirects.
    automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    description: "Spotlane auto top-up",
    metadata: { organization_id: topUp.organizationId, top_up_id: topUp.id },
    expand: ["latest_charge"],
  };
}

/**
 * Charges the organization's saved card when its available credit is below its auto top-up threshold: one
 * attempt at a time per organization, resuming an unfinished one (after a crash or a network error) with the
 * same idempotency key. A card error fails the attempt and turns auto top-up off, so nothing retries a decline
 * in a loop; any other Stripe error leaves the attempt pending and throws, so the job retries it.
 */
export async function runAutoTopUp(ctx: ServiceContext, input: { organizationId: string }): Promise<{ outcome: AutoTopUpOutcome; topUpId?: string }> {
  const { organizationId } = runInput.parse(input);
  const sctx = requireStripe(ctx);
  const started = await startAutoTopUpAttempt(sctx, organizationId);
  if (started.kind !== "attempt") return { outcome: started.kind };
  return { outcome: await chargeAttempt(sctx, started.topUp), topUpId: started.topUp.id };
}

async function chargeAttempt(ctx: ServiceContext & { stripe: StripeBilling }, topUp: AttemptRow): Promise<Exclude<AutoTopUpOutcome, "not_needed" | "in_progress">> {
  const stripe = ctx.stripe.client;
  const at = ctx.now();
  let pi: Stripe.PaymentIntent;
  if (topUp.stripePaymentIntentId) {
    pi = await stripe.paymentIntents.retrieve(topUp.stripePaymentIntentId, { expand: ["latest_charge"] }).catch(rethrowAfterRelease(ctx, topUp.id));
  } else if (at.getTime() - topUp.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) {
    await ctx.db.transaction((tx) => markTopUpUnpaid(tx, { topUpId: topUp.id, status: "failed", reason: UNCONFIRMED_REASON, at }));
    return "failed";
  } else if (!topUp.stripePaymentMethodId) {
    await ctx.db.transaction((tx) => failAutoTopUp(tx, { topUpId: topUp.id, organizationId: topUp.organizationId, reason: NO_CARD_REASON, at }));
    return "failed";
  } else {
    const customerId = await ensureStripeCustomer(ctx, topUp.organizationId).catch(rethrowAfterRelease(ctx, topUp.id));
    try {
      pi = await stripe.paymentIntents.create(autoTopUpPaymentIntentParams(topUp, customerId, topUp.stripePaymentMethodId), { idempotencyKey: paymentIntentIdempotencyKey(topUp.id) });
    } catch (err) {
      const refused = chargeRefusal(err);
      if (!refused) return rethrowAfterRelease(ctx, topUp.id)(err);
      if (refused.paymentIntentId) await recordPaymentIntent(ctx, topUp.id, refused.paymentIntentId);
      await ctx.db.transaction((tx) => failAutoTopUp(tx, { topUpId: topUp.id, organizationId: topUp.organizationId, reason: refused.reason, at }));
      return "failed";
    }
    await recordPaymentIntent(ctx, topUp.id, pi.id);
  }
  return applyAutoTopUpPaymentIntent(ctx, topUp, pi);
}

/**
 * Errors that are Stripe's final word on this charge: card errors (declined, 3-D Secure, expired card, …) and a
 * card or customer Stripe refuses to use (detached, deleted; Stripe stores no idempotent result for such 400s, so
 * no charge can hide behind them). Rate limits, 5xx, 409 (the same key in flight), network errors and any other
 * 400 (our bug, not the card's) are not: they throw, the attempt stays pending, and operators see the error.
 */
function chargeRefusal(err: unknown): { reason: string; paymentIntentId: string | null } | null {
  if (err instanceof Stripe.errors.StripeCardError) return { reason: autoTopUpFailureReason(err), paymentIntentId: err.payment_intent?.id ?? null };
  if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 400 && (err.param === "payment_method" || err.param === "customer" || err.code === "resource_missing")) {
    const reason = `Stripe refused to charge the saved card (${(err.code ?? "invalid request").replace(/_/g, " ")}); pay one top-up by card to save it again, then turn auto top-up on again.`;
    return { reason, paymentIntentId: err.payment_intent?.id ?? null };
  }
  return null;
}

function rethrowAfterRelease(ctx: ServiceContext, topUpId: string) {
  return async (err: unknown): Promise<never> => {
    await releaseAttempt(ctx, topUpId);
    throw err;
  };
}

/** The first PaymentIntent learnt for an attempt is kept; a retry then re-reads it instead of creating one. */
async function recordPaymentIntent(ctx: ServiceContext, topUpId: string, paymentIntentId: string): Promise<void> {
  await ctx.db.update(topUps).set({ stripePaymentIntentId: paymentIntentId }).where(and(eq(topUps.id, topUpId), isNull(topUps.stripePaymentIntentId)));
}
