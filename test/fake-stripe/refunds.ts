/**
 * Refunds: by charge or payment_intent, partial or full, never more than what is left unrefunded; a refund can
 * later fail (the money comes back onto the charge). Events: charge.refunded (charge snapshot) + refund.created;
 * refund.failed + refund.updated.
 */
import type Stripe from "stripe";
import { invalidRequest, noSuch } from "./errors";
import { allowOnly, metadataOf, optEnum, optInt, optString } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, type Store } from "./store";
import { createBalanceTransaction, getCharge } from "./charges";
import { getPaymentIntent } from "./payment-intents";
import { formatUsd } from "./hosted-page";

export function getRefund(store: Store, id: string): Stripe.Refund {
  const r = store.refunds.get(id);
  if (!r) throw noSuch("refund", id);
  return r;
}

export function createRefund(store: Store, input: { charge?: string; payment_intent?: string; amount?: number; reason?: Stripe.Refund.Reason; metadata?: Record<string, string> }): Stripe.Refund {
  let charge: Stripe.Charge;
  if (input.charge && input.payment_intent) throw invalidRequest("You may only specify one of these parameters: charge, payment_intent.", { param: "charge" });
  if (input.charge) charge = getCharge(store, input.charge, "charge");
  else if (input.payment_intent) {
    const pi = getPaymentIntent(store, input.payment_intent, "payment_intent");
    if (pi.status !== "succeeded" || typeof pi.latest_charge !== "string") throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { param: "payment_intent", code: "charge_not_refundable" });
    charge = getCharge(store, pi.latest_charge);
  } else throw invalidRequest("One of the following params should be provided for this request: payment_intent or charge.", { code: "parameter_missing" });
  if (charge.status !== "succeeded") throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, { param: "charge", code: "charge_not_refundable" });
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: "charge_disputed" });
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining === 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded" });
  const amount = input.amount ?? remaining;
  if (amount <= 0) throw invalidRequest("Invalid positive integer", { param: "amount", code: "parameter_invalid_integer" });
  if (amount > remaining) {
    const what = charge.amount_refunded > 0 ? "unrefunded amount on charge" : "charge amount";
    throw invalidRequest(`Refund amount (${formatUsd(amount)}) is greater than ${what} (${formatUsd(remaining)})`, { param: "amount" });
  }
  const id = store.id("re");
  const bt = createBalanceTransaction(store, { amount: -amount, fee: 0, type: "refund", reporting_category: "refund", source: id, description: "REFUND FOR CHARGE" });
  const refund: Stripe.Refund = {
    id,
    object: "refund",
    amount,
    balance_transaction: bt.id,
    charge: charge.id,
    created: store.now(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details: { type: "card", card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" } },
    metadata: input.metadata ?? {},
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: input.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
  store.refunds.set(id, refund);
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  emit(store, "charge.refunded", charge, previous);
  emit(store, "refund.created", refund);
  return refund;
}

/** The bank could not return the money: the refund fails and the amount is back on the charge. */
export function failRefund(store: Store, refundId: string): void {
  const refund = store.refunds.get(refundId);
  if (!refund) throw new Error(`fake-stripe: no such refund ${refundId}`);
  if (refund.status === "failed") throw new Error(`fake-stripe: refund ${refundId} already failed`);
  const charge = getCharge(store, refund.charge as string);
  refund.status = "failed";
  refund.failure_reason = "lost_or_stolen_card";
  refund.failure_balance_transaction = createBalanceTransaction(store, { amount: refund.amount, fee: 0, type: "refund_failure", reporting_category: "refund_failure", source: refund.id, description: "REFUND FAILURE" }).id;
  charge.amount_refunded -= refund.amount;
  charge.refunded = false;
  emit(store, "refund.failed", refund, { status: "succeeded" });
  emit(store, "refund.updated", refund, { status: "succeeded" });
  emit(store, "charge.refund.updated", refund, { status: "succeeded" });
}

export const refundRoutes: Route[] = [
  route("POST", "/v1/refunds", ({ store, body }) => {
    allowOnly(body, { charge: true, payment_intent: true, amount: true, reason: true, metadata: "map" });
    return createRefund(store, {
      charge: optString(body, "charge"),
      payment_intent: optString(body, "payment_intent"),
      amount: optInt(body, "amount"),
      reason: optEnum(body, "reason", ["duplicate", "fraudulent", "requested_by_customer"]),
      metadata: metadataOf(body.metadata),
    });
  }),
  route("GET", "/v1/refunds/:id", ({ store, params }) => getRefund(store, params[0] as string)),
  route("GET", "/v1/refunds", ({ store, body }) => {
    const charge = optString(body, "charge");
    const pi = optString(body, "payment_intent");
    return listOf("/v1/refunds", [...store.refunds.values()].filter((r) => (!charge || r.charge === charge) && (!pi || r.payment_intent === pi)), body);
  }),
];
