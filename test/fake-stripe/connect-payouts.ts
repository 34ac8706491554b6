/**
 * Bank payouts of connected accounts (Stripe-Account header required; the fake models no platform payouts):
 * create (never more than the account's available balance, only once payouts are enabled), retrieve, list,
 * cancel while pending. What the bank does next follows `store.connectPayouts` at creation, after the request
 * answered: "paid" → in_transit (payout.updated) → paid (payout.paid); "failed" → payout.failed (account_closed;
 * the amount returns to the connected balance); "manual" → pending until settlePayout(). Events are Connect
 * events (`event.account` = the connected account).
 */
import type Stripe from "stripe";
import type { FormObject } from "./form";
import { invalidRequest, noSuch } from "./errors";
import { allowOnly, createdFilter, metadataOf, optEnum, optString, reqInt, reqString, type ParamSpec } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, type Store } from "./store";
import { defaultBankAccount, getAccount } from "./accounts";
import { recordBalanceTransaction, requireAvailable } from "./balance";

const CREATE_PARAMS: ParamSpec = { amount: true, currency: true, metadata: "map", description: true, method: true, statement_descriptor: true, source_type: true };

/** Stripe's message when a connected account's available balance is short for a payout. */
export const CONNECTED_BALANCE_INSUFFICIENT =
  "You have insufficient funds in your Stripe account for this transfer. Your card balance is too low. You can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance).";

export const PAYOUT_FAILURE = { code: "account_closed", message: "The bank account has been closed." } as const;

/** Standard payouts to a US bank arrive in about two business days. */
const ARRIVAL_SECONDS = 2 * 86_400;

export function getPayout(store: Store, account: string, id: string): Stripe.Payout {
  const p = store.payouts.get(id);
  // Another account's payout does not exist for this one.
  if (!p || store.payoutAccount.get(id) !== account) throw noSuch("payout", id);
  return p;
}

function createPayout(store: Store, accountId: string, body: FormObject): Stripe.Payout {
  allowOnly(body, CREATE_PARAMS);
  const amount = reqInt(body, "amount");
  if (amount < 1) throw invalidRequest("This value must be greater than or equal to 1.", { param: "amount", code: "parameter_invalid_integer" });
  const currency = reqString(body, "currency").toLowerCase();
  if (currency !== "usd") throw invalidRequest(`Invalid currency: ${currency}. The connected account's bank account is in usd.`, { param: "currency", code: "parameter_invalid_string" });
  const method = optEnum(body, "method", ["standard", "instant"] as const) ?? "standard";
  if (method === "instant") throw invalidRequest("fake-stripe models standard payouts only.", { param: "method" });
  const account = getAccount(store, accountId);
  const bank = defaultBankAccount(account);
  if (!account.payouts_enabled || !bank) throw invalidRequest("Payouts have been disabled on this account. Check the account's requirements for what Stripe still needs.", { code: "payouts_not_allowed" });
  requireAvailable(store, account.id, amount, CONNECTED_BALANCE_INSUFFICIENT);
  const id = store.id("po");
  const description = optString(body, "description") ?? null;
  const bt = recordBalanceTransaction(store, account.id, { amount: -amount, type: "payout", reporting_category: "payout", source: id, description: description ?? "STRIPE PAYOUT" });
  const payout: Stripe.Payout = {
    id,
    object: "payout",
    amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: store.now() + ARRIVAL_SECONDS,
    automatic: false,
    balance_transaction: bt.id,
    created: store.now(),
    currency,
    description,
    destination: bank.id,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: metadataOf(body.metadata),
    method,
    original_payout: null,
    payout_method: null,
    reconciliation_status: "not_applicable",
    reversed_by: null,
    source_type: "card",
    statement_descriptor: optString(body, "statement_descriptor") ?? null,
    status: "pending",
    trace_id: null,
    type: "bank_account",
  };
  store.payouts.set(id, payout);
  store.payoutAccount.set(id, account.id);
  emit(store, "payout.created", payout, undefined, account.id);
  const mode = store.connectPayouts;
  if (mode !== "manual") store.later(() => settlePayout(store, id, mode));
  return payout;
}

/** The bank's answer for a pending or in-transit payout (the knob `settlePayout`, or the mode's own tick). */
export function settlePayout(store: Store, payoutId: string, outcome: "paid" | "failed"): Stripe.Payout {
  const payout = store.payouts.get(payoutId);
  const account = store.payoutAccount.get(payoutId);
  if (!payout || !account) throw new Error(`fake-stripe: no such payout ${payoutId}`);
  if (payout.status !== "pending" && payout.status !== "in_transit") throw new Error(`fake-stripe: payout ${payoutId} is ${payout.status}; only pending or in_transit payouts settle`);
  if (outcome === "paid") {
    if (payout.status === "pending") {
      payout.status = "in_transit";
      emit(store, "payout.updated", payout, { status: "pending" }, account);
    }
    payout.status = "paid";
    payout.reconciliation_status = "completed";
    emit(store, "payout.paid", payout, { status: "in_transit" }, account);
    return payout;
  }
  const previous = payout.status;
  // The bank returned the money: it is back in the connected account's balance.
  const bt = recordBalanceTransaction(store, account, { amount: payout.amount, type: "payout_failure", reporting_category: "payout_reversal", source: payout.id, description: "PAYOUT FAILURE" });
  payout.status = "failed";
  payout.failure_code = PAYOUT_FAILURE.code;
  payout.failure_message = PAYOUT_FAILURE.message;
  payout.failure_balance_transaction = bt.id;
  emit(store, "payout.failed", payout, { status: previous, failure_code: null, failure_message: null }, account);
  return payout;
}

function cancelPayout(store: Store, account: string, payoutId: string): Stripe.Payout {
  const payout = getPayout(store, account, payoutId);
  if (payout.status !== "pending") throw invalidRequest(`Payouts can only be canceled while they are pending; this one is ${payout.status}.`, { code: "payout_not_cancelable" });
  const bt = recordBalanceTransaction(store, account, { amount: payout.amount, type: "payout_cancel", reporting_category: "payout_reversal", source: payout.id, description: "PAYOUT CANCELED" });
  payout.status = "canceled";
  payout.failure_balance_transaction = bt.id;
  emit(store, "payout.canceled", payout, { status: "pending" }, account);
  return payout;
}

export const connectPayoutRoutes: Route[] = [
  route("POST", "/v1/payouts", ({ store, body, account }) => createPayout(store, account as string, body), "connected"),
  route("GET", "/v1/payouts/:id", ({ store, params, account }) => getPayout(store, account as string, params[0] as string), "connected"),
  route("POST", "/v1/payouts/:id/cancel", ({ store, params, account, body }) => {
    allowOnly(body, {});
    return cancelPayout(store, account as string, params[0] as string);
  }, "connected"),
  route("GET", "/v1/payouts", ({ store, body, account }) => {
    const status = optString(body, "status");
    const created = createdFilter(body);
    const mine = [...store.payouts.values()].filter((p) => store.payoutAccount.get(p.id) === account && (!status || p.status === status) && created(p.created));
    return listOf("/v1/payouts", mine, body);
  }, "connected"),
];
