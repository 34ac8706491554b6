import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { autoTopUpSettings, organizationBilling, organizations, type BillingMode, type BillingStanding } from "../../../db/schema";
import { MAX_AMOUNT_NANOS } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { requireStripe, type StripeBilling } from "../stripe/client";
import { ensureStripeCustomer } from "../stripe/ensure-customer";

export const setOrganizationBillingInput = z.object({
  organizationId: z.string().regex(/^org_[0-9a-z]{26}$/, "an organization id (org_…)"),
  mode: z.enum(["prepaid", "invoiced"]),
  credit_limit_nanos: z.bigint().min(0n).max(MAX_AMOUNT_NANOS),
});

export type OrganizationBilling = {
  organization_id: string;
  mode: BillingMode;
  credit_limit_nanos: bigint;
  standing: BillingStanding;
  standing_reason: string | null;
  stripe_subscription_id: string | null;
};

/** A subscription still billing (or able to): reusing it keeps one subscription per customer, so usage is never invoiced twice. */
const LIVE_SUBSCRIPTION = new Set(["active", "trialing", "past_due", "incomplete", "unpaid", "paused"]);

/**
 * The organization's metered subscription, created at most once however often and concurrently this runs:
 * the idempotency key is derived from the state it starts from (`subscription:<org>:first`, or
 * `…:after:<previous subscription>` once that one is canceled), so concurrent calls send one key and Stripe
 * answers both with one subscription. A live subscription set to cancel at period end is taken back.
 */
async function ensureSubscription(ctx: ServiceContext & { stripe: StripeBilling }, organizationId: string, priceId: string, previous: string | null): Promise<string> {
  if (previous) {
    const sub = await ctx.stripe.client.subscriptions.retrieve(previous);
    if (LIVE_SUBSCRIPTION.has(sub.status)) {
      if (sub.cancel_at_period_end) await ctx.stripe.client.subscriptions.update(previous, { cancel_at_period_end: false }, { idempotencyKey: `subscription:${previous}:resume:${sub.canceled_at ?? 0}` });
      return previous;
    }
  }
  const customer = await ensureStripeCustomer(ctx, organizationId);
  // Stripe charges a subscription's invoices to its default payment method: the card a Checkout top-up saved,
  // when there is one. Without it the invoice's charge fails and the buyer pays the hosted invoice instead.
  const [saved] = await ctx.db.select({ pm: autoTopUpSettings.stripePaymentMethodId }).from(autoTopUpSettings).where(eq(autoTopUpSettings.organizationId, organizationId));
  const sub = await ctx.stripe.client.subscriptions.create(
    { customer, items: [{ price: priceId }], metadata: { organization_id: organizationId }, ...(saved?.pm ? { default_payment_method: saved.pm } : {}) },
    { idempotencyKey: `subscription:${organizationId}:${previous ? `after:${previous}` : "first"}` },
  );
  return sub.id;
}

/**
 * Operators only (operations router). `invoiced`: usage is admitted against `credit_limit_nanos` below zero,
 * metered to Stripe hourly and invoiced monthly by a subscription on STRIPE_METERED_PRICE_ID. `prepaid`: new
 * usage stops being metered at once (settlement reads the mode it commits with); usage already in the outbox
 * is still pushed, and the subscription is set to cancel at the end of its period, so Stripe sends one last
 * invoice for it. The balance is kept as it is: negative until that invoice is paid (or topped up).
 */
export async function setOrganizationBilling(ctx: ServiceContext, raw: z.input<typeof setOrganizationBillingInput>): Promise<OrganizationBilling> {
  const input = setOrganizationBillingInput.parse(raw);
  const [org] = await ctx.db.select({ id: organizations.id }).from(organizations).where(and(eq(organizations.id, input.organizationId), isNull(organizations.deletedAt)));
  if (!org) throw new ServiceError("not_found", `No open organization ${input.organizationId}.`);
  const [current] = await ctx.db.select().from(organizationBilling).where(eq(organizationBilling.organizationId, input.organizationId));
  const now = ctx.now();

  let subscriptionId = current?.stripeSubscriptionId ?? null;
  if (input.mode === "invoiced") {
    const stripe = requireStripe(ctx);
    const priceId = stripe.stripe.metered_price_id;
    if (!priceId) throw new ServiceError("forbidden", "Invoicing needs STRIPE_METERED_PRICE_ID: a metered Price on the Billing Meter usage is pushed to (README, Payments).");
    subscriptionId = await ensureSubscription(stripe, input.organizationId, priceId, subscriptionId);
  }
  const [row] = await ctx.db
    .insert(organizationBilling)
    .values({ organizationId: input.organizationId, mode: input.mode, creditLimitNanos: input.credit_limit_nanos, stripeSubscriptionId: subscriptionId, updatedAt: now })
    .onConflictDoUpdate({ target: organizationBilling.organizationId, set: { mode: input.mode, creditLimitNanos: input.credit_limit_nanos, stripeSubscriptionId: subscriptionId, updatedAt: now } })
    .returning();
  if (input.mode === "prepaid" && subscriptionId && ctx.stripe) {
    // After the row: metering has already stopped when this reaches Stripe; a failure here is retried by calling again.
    const sub = await ctx.stripe.client.subscriptions.retrieve(subscriptionId);
    if (LIVE_SUBSCRIPTION.has(sub.status) && !sub.cancel_at_period_end) {
      await ctx.stripe.client.subscriptions.update(subscriptionId, { cancel_at_period_end: true }, { idempotencyKey: `subscription:${subscriptionId}:cancel:${now.getTime()}` });
    }
  }
  return {
    organization_id: row!.organizationId,
    mode: row!.mode,
    credit_limit_nanos: row!.creditLimitNanos,
    standing: row!.standing,
    standing_reason: row!.standingReason,
    stripe_subscription_id: row!.stripeSubscriptionId,
  };
}
