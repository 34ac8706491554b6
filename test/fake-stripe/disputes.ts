/**
 * Disputes (chargebacks), opened and closed from the "bank" side. Opening withdraws the disputed amount plus
 * Stripe's $15 fee (a negative balance transaction); winning reinstates the amount (the fee stays, as in the US);
 * losing keeps it withdrawn. Events in Stripe's order: created + funds_withdrawn; updated (evidence under
 * review), funds_reinstated (won), closed.
 */
import type Stripe from "stripe";
import { noSuch } from "./errors";
import { optString } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, type Store } from "./store";
import { createBalanceTransaction } from "./charges";

export const DISPUTE_FEE_CENTS = 1500;

const NO_EVIDENCE: Stripe.Dispute.Evidence = {
  access_activity_log: null, billing_address: null, cancellation_policy: null, cancellation_policy_disclosure: null, cancellation_rebuttal: null,
  customer_communication: null, customer_email_address: null, customer_name: null, customer_purchase_ip: null, customer_signature: null,
  duplicate_charge_documentation: null, duplicate_charge_explanation: null, duplicate_charge_id: null, enhanced_evidence: {}, product_description: null,
  receipt: null, refund_policy: null, refund_policy_disclosure: null, refund_refusal_explanation: null, service_date: null, service_documentation: null,
  shipping_address: null, shipping_carrier: null, shipping_date: null, shipping_documentation: null, shipping_tracking_number: null,
  uncategorized_file: null, uncategorized_text: null,
};

export function openDispute(store: Store, chargeId: string, amountCents?: number): Stripe.Dispute {
  const charge = store.charges.get(chargeId);
  if (!charge) throw new Error(`fake-stripe: no such charge ${chargeId}`);
  if (charge.status !== "succeeded") throw new Error(`fake-stripe: charge ${chargeId} is ${charge.status}; only succeeded charges can be disputed`);
  if (charge.disputed) throw new Error(`fake-stripe: charge ${chargeId} is already disputed`);
  const amount = amountCents ?? charge.amount - charge.amount_refunded;
  if (amount <= 0 || amount > charge.amount - charge.amount_refunded) throw new Error(`fake-stripe: dispute amount ${amount} outside 1..${charge.amount - charge.amount_refunded}`);
  const id = store.id("dp");
  const withdrawal = createBalanceTransaction(store, { amount: -amount, fee: DISPUTE_FEE_CENTS, type: "adjustment", reporting_category: "dispute", source: id, description: `Chargeback withdrawal for ${charge.id}` });
  const dispute: Stripe.Dispute = {
    id,
    object: "dispute",
    amount,
    balance_transactions: [withdrawal],
    charge: charge.id,
    created: store.now(),
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: { ...NO_EVIDENCE },
    evidence_details: { due_by: store.now() + 7 * 86_400, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: "not_submitted" },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    network_reason_code: "10.4",
    payment_intent: charge.payment_intent,
    reason: "fraudulent",
    status: "needs_response",
  };
  store.disputes.set(id, dispute);
  charge.disputed = true;
  emit(store, "charge.dispute.created", dispute);
  emit(store, "charge.dispute.funds_withdrawn", dispute);
  return dispute;
}

export function closeDispute(store: Store, disputeId: string, outcome: "won" | "lost"): void {
  const dispute = store.disputes.get(disputeId);
  if (!dispute) throw new Error(`fake-stripe: no such dispute ${disputeId}`);
  if (dispute.status === "won" || dispute.status === "lost") throw new Error(`fake-stripe: dispute ${disputeId} is already closed (${dispute.status})`);
  // Evidence submitted: the bank reviews it.
  const previousStatus = dispute.status;
  dispute.status = "under_review";
  dispute.evidence = { ...dispute.evidence, uncategorized_text: "Usage logs for the disputed period." };
  dispute.evidence_details = { ...dispute.evidence_details, has_evidence: true, submission_count: 1, submission_method: "manual" };
  emit(store, "charge.dispute.updated", dispute, { status: previousStatus });
  if (outcome === "won") {
    const reinstatement = createBalanceTransaction(store, { amount: dispute.amount, fee: 0, type: "adjustment", reporting_category: "dispute_reversal", source: dispute.id, description: `Chargeback reversal for ${dispute.charge as string}` });
    dispute.balance_transactions = [...dispute.balance_transactions, reinstatement];
    dispute.status = "won";
    emit(store, "charge.dispute.funds_reinstated", dispute);
  } else {
    dispute.status = "lost";
  }
  emit(store, "charge.dispute.closed", dispute, { status: "under_review" });
}

export const disputeRoutes: Route[] = [
  route("GET", "/v1/disputes/:id", ({ store, params }) => {
    const d = store.disputes.get(params[0] as string);
    if (!d) throw noSuch("dispute", params[0] as string);
    return d;
  }),
  route("GET", "/v1/disputes", ({ store, body }) => {
    const charge = optString(body, "charge");
    const pi = optString(body, "payment_intent");
    return listOf("/v1/disputes", [...store.disputes.values()].filter((d) => (!charge || d.charge === charge) && (!pi || d.payment_intent === pi)), body);
  }),
];
