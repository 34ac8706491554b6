import type Stripe from "stripe";
import { centsToNanos } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import { requireStripe } from "../stripe/client";
import { buyerStripeLines, postJournalEntry } from "../post-journal-entry";
import { buyerBalanceBeforeAdjustment, clawBackAfterAdjustment } from "../payouts/clawback";
import { payoutPolicy } from "../payouts/policy";
import { expandedCharge, resolveChargeOwner } from "./resolve-charge-owner";
import { recordAdjustment } from "./record-adjustment";
import { forgetCardAfterDispute } from "../auto-top-up/fail-auto-top-up";
import type { ApplyAdjustmentResult } from "./types";


/**
 * What Stripe moved for a dispute, from its balance transactions: negative ones withdrew the disputed amount,
 * positive ones reinstated it (a won dispute). `amount`, not `net`: the dispute fee is the platform's cost,
 * not the buyer's.
 */
export function disputeMovements(dispute: Pick<Stripe.Dispute, "balance_transactions">): { withdrawn_cents: number; reinstated_cents: number; currencies: string[] } {
  let withdrawn_cents = 0;
  let reinstated_cents = 0;
  for (const bt of dispute.balance_transactions) {
    if (bt.amount < 0) withdrawn_cents -= bt.amount;
    else reinstated_cents += bt.amount;
  }
  return { withdrawn_cents, reinstated_cents, currencies: [...new Set(dispute.balance_transactions.map((bt) => bt.currency))] };
}

/**
 * A dispute (chargeback) of a buyer's payment, converged from Stripe's own record.
 *
 * Money rules:
 * - `dispute:<dp_id>:withdrawn` — buyer_balance −amount, stripe_clearing +amount — once Stripe has withdrawn
 *   the funds; `dispute:<dp_id>:reinstated` gives it back when Stripe reinstates them (a won dispute). Each
 *   exactly once. A lost dispute keeps the withdrawal; spent credit leaves the balance negative (a receivable)
 *   and admission refuses while it is.
 * - Both are derived from the re-read dispute's balance_transactions (negative = withdrawal, positive =
 *   reinstatement), never from which event arrived: `closed` before `funds_reinstated`, duplicates, or a
 *   stale concurrent read all converge on the same ledger (a read that sees the reinstatement posts the
 *   withdrawal too, each under its own key).
 * - Clawback (payouts README): credit the buyer had already spent, taken back by the withdrawal, comes back
 *   from providers' on-hold earnings from this buyer's requests (`clawback:dispute:<dp_id>:withdrawn`); the
 *   reinstatement releases it.
 *
 * A Stripe error propagates, nothing is posted, and the job retries.
 */
export async function applyDispute(ctx: ServiceContext, disputeId: string): Promise<ApplyAdjustmentResult> {
  const { stripe } = requireStripe(ctx);
  const read_at = ctx.now();
  const dispute: Stripe.Dispute = await stripe.client.disputes.retrieve(disputeId, { expand: ["charge"] });
  const charge = expandedCharge(dispute.charge);
  if (!charge) return { outcome: "not_ours", chargeId: null };
  return ctx.db.transaction(async (tx) => {
    const owner = await resolveChargeOwner(tx, charge);
    if (!owner) return { outcome: "not_ours", chargeId: charge.id } as const;
    const moved = disputeMovements(dispute);
    if (dispute.currency !== "usd" || moved.currencies.some((c) => c !== "usd")) {
      return { outcome: "unsupported", organizationId: owner.organizationId, reason: `dispute ${dispute.id} moves ${[dispute.currency, ...moved.currencies].join("/")}; the ledger is USD` } as const;
    }
    const buyer_before_nanos = await buyerBalanceBeforeAdjustment(tx, owner.organizationId);
    await recordAdjustment(tx, {
      id: dispute.id,
      kind: "dispute",
      organizationId: owner.organizationId,
      topUpId: owner.topUpId,
      stripeChargeId: charge.id,
      amount_nanos: centsToNanos(dispute.amount),
      status: dispute.status,
      reason: dispute.reason,
      stripeCreatedAt: new Date(dispute.created * 1000),
      read_at,
    });
    const posted: string[] = [];
    const post = async (key: string, memo: string, amount_cents: number, sign: 1n | -1n) => {
      const r = await postJournalEntry(tx, { kind: sign === 1n ? "dispute_withdrawal" : "dispute_reinstatement", idempotencyKey: key, stripeObjectId: dispute.id, memo, at: ctx.now(), lines: buyerStripeLines(owner.organizationId, -centsToNanos(amount_cents) * sign) });
      if (r.posted) posted.push(key);
    };
    if (moved.withdrawn_cents > 0) await post(`dispute:${dispute.id}:withdrawn`, `Dispute ${dispute.id}: funds withdrawn`, moved.withdrawn_cents, 1n);
    // A disputed card is never charged off-session again: auto top-up off and the saved card forgotten, at once.
    if (posted.includes(`dispute:${dispute.id}:withdrawn`)) await forgetCardAfterDispute(tx, { organizationId: owner.organizationId, disputeId: dispute.id, at: ctx.now() });
    // Never more back than was taken: a reinstatement gives back a withdrawal, it does not add credit.
    const reinstated_cents = Math.min(moved.reinstated_cents, moved.withdrawn_cents);
    if (reinstated_cents > 0) await post(`dispute:${dispute.id}:reinstated`, `Dispute ${dispute.id}: funds reinstated`, reinstated_cents, -1n);
    await clawBackAfterAdjustment(tx, {
      buyerOrganizationId: owner.organizationId,
      sourceKey: `dispute:${dispute.id}:withdrawn`,
      buyer_before_nanos,
      taken_nanos: posted.includes(`dispute:${dispute.id}:withdrawn`) ? centsToNanos(moved.withdrawn_cents) : null,
      restored: posted.includes(`dispute:${dispute.id}:reinstated`),
      now: ctx.now(),
      policy: payoutPolicy(ctx),
    });
    return { outcome: "applied", organizationId: owner.organizationId, topUpId: owner.topUpId, status: dispute.status, posted } as const;
  });
}
