import type Stripe from "stripe";
import { eq, or } from "drizzle-orm";
import { stripeCustomers, topUps } from "../../../db/schema";
import type { Queryable } from "../../../db/client";

export type ChargeOwner = { organizationId: string; topUpId: string | null };

function idOf(v: string | { id: string } | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? v : v.id;
}

/**
 * Whose payment a refunded or disputed charge was. The top-up that the charge (or its payment intent) paid is
 * the strongest link; a charge we never recorded (an invoice payment, or a top-up whose fulfilment has not
 * run yet) falls back to the charge's customer, which we created once per organization. Null: not ours.
 */
export async function resolveChargeOwner(q: Queryable, charge: { id: string; payment_intent: string | { id: string } | null; customer: string | { id: string } | null }): Promise<ChargeOwner | null> {
  const paymentIntentId = idOf(charge.payment_intent);
  const [topUp] = await q
    .select({ id: topUps.id, organizationId: topUps.organizationId })
    .from(topUps)
    .where(paymentIntentId ? or(eq(topUps.stripeChargeId, charge.id), eq(topUps.stripePaymentIntentId, paymentIntentId)) : eq(topUps.stripeChargeId, charge.id))
    .limit(1);
  if (topUp) return { organizationId: topUp.organizationId, topUpId: topUp.id };
  const customerId = idOf(charge.customer);
  if (!customerId) return null;
  const [customer] = await q.select({ organizationId: stripeCustomers.organizationId }).from(stripeCustomers).where(eq(stripeCustomers.stripeCustomerId, customerId)).limit(1);
  return customer ? { organizationId: customer.organizationId, topUpId: null } : null;
}

/** The charge of a refund or dispute, expanded by the re-read (a bare id means the expansion was not honoured). */
export function expandedCharge(charge: string | Stripe.Charge | null): Stripe.Charge | null {
  if (charge === null) return null;
  if (typeof charge === "string") throw new Error(`charge ${charge} came back unexpanded; retrieve with expand: ["charge"]`);
  return charge;
}
