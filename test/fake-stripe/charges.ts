/** Charges (created by PaymentIntents) and their balance transactions; retrieve and list. */
import type Stripe from "stripe";
import { noSuch } from "./errors";
import { optString } from "./params";
import { listOf, route, type Route } from "./router";
import type { Store } from "./store";

export type ChargeFailure = { code: string; decline_code: string; message: string };

/** Stripe's US card pricing, 2.9% + 30¢, in integer cents (half-up). */
export function cardFeeCents(amount: number): number {
  return Math.floor((amount * 29 + 500) / 1000) + 30;
}

export function createBalanceTransaction(
  store: Store,
  input: { amount: number; fee: number; type: Stripe.BalanceTransaction.Type; reporting_category: string; source: string; description: string | null },
): Stripe.BalanceTransaction {
  const bt: Stripe.BalanceTransaction = {
    id: store.id("txn"),
    object: "balance_transaction",
    amount: input.amount,
    available_on: store.now() + 2 * 86_400,
    balance_type: "payments",
    created: store.now(),
    currency: "usd",
    description: input.description,
    exchange_rate: null,
    fee: input.fee,
    fee_details: input.fee === 0 ? [] : [{ amount: input.fee, application: null, currency: "usd", description: "Stripe processing fees", type: "stripe_fee" }],
    net: input.amount - input.fee,
    reporting_category: input.reporting_category,
    source: input.source,
    status: "pending",
    type: input.type,
  };
  store.balanceTransactions.set(bt.id, bt);
  return bt;
}

export function getCharge(store: Store, id: string, param?: string): Stripe.Charge {
  const ch = store.charges.get(id);
  if (!ch) throw noSuch("charge", id, param);
  return ch;
}

export function createCharge(store: Store, pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, status: Stripe.Charge.Status, failure?: ChargeFailure): Stripe.Charge {
  const id = store.id("ch");
  const charge: Stripe.Charge = {
    id,
    object: "charge",
    amount: pi.amount,
    amount_captured: status === "succeeded" ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: pm.billing_details,
    calculated_statement_descriptor: "SPOTLANE",
    captured: status === "succeeded",
    created: store.now(),
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: failure
      ? { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: "declined_by_network", reason: failure.decline_code, risk_level: "normal", seller_message: "The bank did not return any further details with this decline.", type: "issuer_declined" }
      : { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
    paid: status === "succeeded",
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: pm.card
      ? {
          type: "card",
          card: {
            amount_authorized: failure ? null : pi.amount,
            authorization_code: failure ? null : "123456",
            brand: pm.card.brand,
            checks: pm.card.checks,
            country: pm.card.country,
            electronic_commerce_indicator: null,
            exp_month: pm.card.exp_month,
            exp_year: pm.card.exp_year,
            funding: pm.card.funding,
            installments: null,
            last4: pm.card.last4,
            mandate: null,
            network: "visa",
            network_transaction_id: failure ? null : store.id("ntx").slice(4, 19),
            regulated_status: "unregulated",
            three_d_secure: null,
            transaction_link_id: null,
            wallet: null,
          },
        }
      : {
          type: "us_bank_account",
          us_bank_account: {
            account_holder_type: "individual",
            account_type: "checking",
            bank_name: "STRIPE TEST BANK",
            fingerprint: pm.us_bank_account?.fingerprint ?? null,
            last4: pm.us_bank_account?.last4 ?? null,
            mandate: undefined,
            payment_reference: null,
            routing_number: "110000000",
          },
        },
    receipt_email: pm.billing_details.email,
    receipt_number: null,
    receipt_url: `${store.apiBase}/receipts/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
  };
  if (status === "succeeded") markChargeSucceeded(store, charge);
  store.charges.set(id, charge);
  return charge;
}

/** A charge's money arrives: captured, paid, with its balance transaction (gross, Stripe's fee, net). */
export function markChargeSucceeded(store: Store, charge: Stripe.Charge): void {
  charge.status = "succeeded";
  charge.paid = true;
  charge.captured = true;
  charge.amount_captured = charge.amount;
  const bt = createBalanceTransaction(store, { amount: charge.amount, fee: cardFeeCents(charge.amount), type: "charge", reporting_category: "charge", source: charge.id, description: charge.description });
  charge.balance_transaction = bt.id;
}

export const chargeRoutes: Route[] = [
  route("GET", "/v1/charges/:id", ({ store, params }) => getCharge(store, params[0] as string)),
  route("GET", "/v1/charges", ({ store, body }) => {
    const pi = optString(body, "payment_intent");
    const customer = optString(body, "customer");
    return listOf("/v1/charges", [...store.charges.values()].filter((c) => (!pi || c.payment_intent === pi) && (!customer || c.customer === customer)), body);
  }),
  route("GET", "/v1/balance_transactions/:id", ({ store, params, account }) => {
    const bt = store.balanceTransactions.get(params[0] as string);
    // Each account sees its own balance transactions only (Stripe-Account: a connected account's).
    if (!bt || (store.balanceTransactionAccount.get(bt.id) ?? null) !== account) throw noSuch("balance transaction", params[0] as string);
    return bt;
  }, "either"),
];
