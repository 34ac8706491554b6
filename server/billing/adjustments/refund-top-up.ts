import Stripe from "stripe";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { topUps } from "../../../db/schema";
import { centsToNanos, NANOS_PER_CENT } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { requireStripe, stripeAmountCents } from "../stripe/client";
import { applyRefund } from "./apply-refund";

export type RefundTopUpInput = {
  topUpId: string;
  /** Whole cents, nano-USD; absent = whatever of the payment is not refunded yet (Stripe's default). */
  amount_nanos?: bigint;
  /** One per operator action (the page makes a UUID per click): a repeat of the same action refunds once. */
  requestKey: string;
};
export type RefundTopUpResult = {
  refundId: string;
  status: string;
  amount_nanos: bigint;
  /** False when applying it right away failed: the refund exists at Stripe and its webhooks apply it (retried). */
  ledger_applied: boolean;
};

const inputSchema = z.object({
  topUpId: z.string().regex(/^tu_[0-9a-z]{26}$/),
  amount_nanos: z
    .bigint()
    .refine((n) => n > 0n && n % NANOS_PER_CENT === 0n, "a positive amount in whole cents")
    .optional(),
  requestKey: z.string().regex(/^[0-9A-Za-z-]{8,64}$/),
});

/**
 * An operator refunds (part of) a paid top-up at Stripe. The ledger moves in applyRefund, called right away so
 * the balance shows it at once; the refund's webhooks then repeat it harmlessly (same `refund:<re_id>` key).
 * Stripe refuses more than remains unrefunded on the charge; that comes back as invalid_input.
 */
export async function refundTopUp(ctx: ServiceContext, input: RefundTopUpInput): Promise<RefundTopUpResult> {
  const sctx = requireStripe(ctx);
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new ServiceError("invalid_input", parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
  const { topUpId, amount_nanos, requestKey } = parsed.data;
  const [topUp] = await ctx.db.select().from(topUps).where(eq(topUps.id, topUpId));
  if (!topUp) throw new ServiceError("not_found", "No such top-up.");
  if (topUp.status !== "paid" || (!topUp.stripeChargeId && !topUp.stripePaymentIntentId)) throw new ServiceError("conflict", `Only a paid top-up can be refunded; this one is ${topUp.status}.`);
  if (amount_nanos !== undefined && amount_nanos > topUp.amountNanos) throw new ServiceError("invalid_input", "A refund cannot be larger than the top-up.");
  let refund: Stripe.Refund;
  try {
    refund = await sctx.stripe.client.refunds.create(
      {
        ...(topUp.stripeChargeId ? { charge: topUp.stripeChargeId } : { payment_intent: topUp.stripePaymentIntentId! }),
        ...(amount_nanos !== undefined ? { amount: stripeAmountCents(amount_nanos) } : {}),
        reason: "requested_by_customer",
        metadata: { top_up_id: topUp.id, organization_id: topUp.organizationId },
      },
      { idempotencyKey: `top_up:${topUp.id}:refund:${requestKey}` },
    );
  } catch (err) {
    // Stripe's invalid-request messages name amounts on our own charge (e.g. more than remains): fine for an operator.
    if (err instanceof Stripe.errors.StripeInvalidRequestError) throw new ServiceError("invalid_input", `Stripe refused the refund: ${err.message}`);
    throw new ServiceError("upstream_error", "Stripe could not create the refund; try again.");
  }
  // Not thrown: the refund exists, and an error here would invite a second click (a second refund).
  const ledger_applied = await applyRefund(ctx, refund.id).then(
    (r) => r.outcome === "applied",
    () => false,
  );
  return { refundId: refund.id, status: refund.status ?? "unknown", amount_nanos: centsToNanos(refund.amount), ledger_applied };
}
