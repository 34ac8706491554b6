import type Stripe from "stripe";
import { centsToNanos, formatUsd } from "../../../lib/money";
import { disableAutoTopUp } from "../auto-top-up/fail-auto-top-up";
import type { ServiceContext } from "../../context";
import { requireStripe } from "../stripe/client";
import { buyerStripeLines, postJournalEntry } from "../post-journal-entry";
import { buyerBalanceBeforeAdjustment, clawBackAfterAdjustment } from "../payouts/clawback";
import { payoutPolicy } from "../payouts/policy";
import { expandedCharge, resolveChargeOwner } from "./resolve-charge-owner";
import { recordAdjustment } from "./record-adjustment";
import type { ApplyAdjustmentResult } from "./types";

/** Statuses in which Stripe has taken the refund out of the platform's balance (the refund's balance transaction). */
const REFUND_OUT = new Set(["pending", "requires_action", "succeeded"]);
/** Terminal: the refund's failure_balance_transaction put the money back (failed), or it never left (canceled). */
const REFUND_UNDONE = new Set(["failed", "canceled"]);


/**
 * A refund (full or partial; any number per charge) of a buyer's payment, applied from Stripe's own record.
 *
 * Money rules:
 * - `refund:<re_id>` — buyer_balance −amount, stripe_clearing +amount — posted once, as soon as Stripe has the
 *   refund pending, needing action or succeeded (Stripe takes the money from the platform's balance when the
 *   refund is created). Credit already spent is not refunded twice: the balance goes negative, a receivable the
 *   Billing page shows, and admission refuses while available credit is ≤ 0.
 * - `refund:<re_id>:reversed` gives it back once when the refund fails or is canceled. On those terminal
 *   statuses both entries are posted (each exactly once), so a handler that read the refund earlier, while it
 *   was still pending, and posts after can only repeat `refund:<re_id>`: any order nets to Stripe's outcome.
 * - The organization is the top-up the charge paid, else the charge's Stripe customer; neither → `not_ours`.
 * - Clawback (payouts README): credit the buyer had already spent, taken back by `refund:<re_id>`, comes back
 *   from providers' on-hold earnings from this buyer's requests (`clawback:refund:<re_id>`); the reversal
 *   releases it.
 *
 * Re-reads the refund (charge expanded) and never trusts an event body. A Stripe error propagates, nothing is
 * posted, and the job retries.
 */
export async function applyRefund(ctx: ServiceContext, refundId: string): Promise<ApplyAdjustmentResult> {
  const { stripe } = requireStripe(ctx);
  const read_at = ctx.now();
  const refund: Stripe.Refund = await stripe.client.refunds.retrieve(refundId, { expand: ["charge"] });
  const charge = expandedCharge(refund.charge);
  if (!charge) return { outcome: "not_ours", chargeId: null };
  return ctx.db.transaction(async (tx) => {
    const owner = await resolveChargeOwner(tx, charge);
    if (!owner) return { outcome: "not_ours", chargeId: charge.id } as const;
    if (refund.currency !== "usd") return { outcome: "unsupported", organizationId: owner.organizationId, reason: `refund ${refund.id} is in ${refund.currency}; the ledger is USD` } as const;
    const amount_nanos = centsToNanos(refund.amount);
    const status = refund.status ?? "unknown";
    const buyer_before_nanos = await buyerBalanceBeforeAdjustment(tx, owner.organizationId);
    await recordAdjustment(tx, {
      id: refund.id,
      kind: "refund",
      organizationId: owner.organizationId,
      topUpId: owner.topUpId,
      stripeChargeId: charge.id,
      amount_nanos,
      status,
      reason: REFUND_UNDONE.has(status) ? (refund.failure_reason ?? refund.reason ?? null) : (refund.reason ?? null),
      stripeCreatedAt: new Date(refund.created * 1000),
      read_at,
    });
    const posted: string[] = [];
    const post = async (key: string, memo: string, sign: 1n | -1n) => {
      const r = await postJournalEntry(tx, { kind: sign === 1n ? "refund" : "refund_reversal", idempotencyKey: key, stripeObjectId: refund.id, memo, at: ctx.now(), lines: buyerStripeLines(owner.organizationId, -amount_nanos * sign) });
      if (r.posted) posted.push(key);
    };
    if (REFUND_OUT.has(status) || REFUND_UNDONE.has(status)) await post(`refund:${refund.id}`, `Refund ${refund.id}`, 1n);
    // A refund must not be followed by auto top-up charging the same card again at once (the balance just fell).
    if (posted.includes(`refund:${refund.id}`)) {
      await disableAutoTopUp(tx, { organizationId: owner.organizationId, reason: `A refund of ${formatUsd(amount_nanos, 2)} was made, so auto top-up was turned off rather than charge your card again at once. Turn it on again if you want it.`, at: ctx.now() });
    }
    if (REFUND_UNDONE.has(status)) await post(`refund:${refund.id}:reversed`, `Refund ${refund.id} ${status}: credit restored`, -1n);
    await clawBackAfterAdjustment(tx, {
      buyerOrganizationId: owner.organizationId,
      sourceKey: `refund:${refund.id}`,
      buyer_before_nanos,
      taken_nanos: posted.includes(`refund:${refund.id}`) ? amount_nanos : null,
      restored: posted.includes(`refund:${refund.id}:reversed`),
      now: ctx.now(),
      policy: payoutPolicy(ctx),
    });
    return { outcome: "applied", organizationId: owner.organizationId, topUpId: owner.topUpId, status, posted } as const;
  });
}
