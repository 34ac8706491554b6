/**
 * Balances, the platform's and each connected account's, as the sum of their balance transactions' `net`: on the
 * platform charges (net of Stripe's fee) − refunds − dispute withdrawals (and their fee) + reinstatements −
 * transfers + transfer reversals + platform funds (`fake.addPlatformFunds`, a top-up); on a connected account
 * transfers in − reversals − bank payouts + failed or canceled payouts returned. Test mode makes everything
 * available at once (no `pending` part), like Stripe's 4000000000000077 card. Routes: `GET /v1/balance` (with
 * Stripe-Account: that account's), `GET /v1/balance_transactions` (list: type, source, payout, created[gte|gt|lt|lte]).
 * Knobs that make Stripe disagree with a ledger (reconciliation tests): plant a balance transaction the ledger
 * never heard of, alter one's amount or fee after the fact, or forget one.
 */
import type Stripe from "stripe";
import { FakeStripeError, invalidRequest } from "./errors";
import { createdFilter, optString } from "./params";
import { listOf, route, type Route } from "./router";
import { createBalanceTransaction } from "./charges";
import type { Store } from "./store";

/** The balance transaction's owner: null = the platform. Amounts in cents, signed as Stripe signs them. */
export function recordBalanceTransaction(
  store: Store,
  account: string | null,
  input: { amount: number; type: Stripe.BalanceTransaction.Type; reporting_category: string; source: string; description: string | null },
): Stripe.BalanceTransaction {
  const bt = createBalanceTransaction(store, { ...input, fee: 0 });
  // Money moved between Stripe balances is available at once (no card network settlement in between).
  bt.available_on = bt.created;
  bt.status = "available";
  if (account !== null) store.balanceTransactionAccount.set(bt.id, account);
  return bt;
}

export function balanceTransactionsOf(store: Store, account: string | null): Stripe.BalanceTransaction[] {
  return [...store.balanceTransactions.values()].filter((bt) => (store.balanceTransactionAccount.get(bt.id) ?? null) === account);
}

/** Available cents of the platform (null) or a connected account. */
export function availableCents(store: Store, account: string | null): number {
  return balanceTransactionsOf(store, account).reduce((sum, bt) => sum + bt.net, 0);
}

/** What `fake.plantBalanceTransaction` takes: a platform balance transaction, cents in Stripe's sign. */
export type PlantedBalanceTransaction = {
  type: Stripe.BalanceTransaction.Type;
  /** The Stripe object it belongs to (default: a fresh id shaped by the type, e.g. ch_ for a charge). */
  source?: string;
  amount: number;
  fee?: number;
  reporting_category?: string;
  /** Unix seconds (default now). */
  created?: number;
  description?: string | null;
};

const PLANTED_SOURCE_PREFIX: Partial<Record<Stripe.BalanceTransaction.Type, string>> = {
  charge: "ch", payment: "py", refund: "re", refund_failure: "re", adjustment: "dp", transfer: "tr", transfer_refund: "trr", payout: "po", topup: "tu",
};

/** Stripe holds money movement the ledger may lack (a charge made in the Dashboard, a webhook never delivered). */
export function plantBalanceTransaction(store: Store, input: PlantedBalanceTransaction): Stripe.BalanceTransaction {
  if (!Number.isSafeInteger(input.amount) || !Number.isSafeInteger(input.fee ?? 0)) throw new Error("fake-stripe: plantBalanceTransaction takes whole cents");
  const bt = createBalanceTransaction(store, {
    amount: input.amount,
    fee: input.fee ?? 0,
    type: input.type,
    reporting_category: input.reporting_category ?? input.type,
    source: input.source ?? store.id(PLANTED_SOURCE_PREFIX[input.type] ?? "src"),
    description: input.description ?? "fake-stripe: planted (test knob)",
  });
  if (input.created !== undefined) bt.created = input.created;
  bt.available_on = bt.created;
  bt.status = "available";
  return bt;
}

/** Stripe's record changed after the fact (a fee corrected, an amount adjusted): net and fee_details follow. */
export function alterBalanceTransaction(store: Store, id: string, change: { amount?: number; fee?: number }): Stripe.BalanceTransaction {
  const bt = store.balanceTransactions.get(id);
  if (!bt) throw new Error(`fake-stripe: no such balance transaction ${id}`);
  if (change.amount !== undefined) bt.amount = change.amount;
  if (change.fee !== undefined) {
    bt.fee = change.fee;
    bt.fee_details = change.fee === 0 ? [] : [{ amount: change.fee, application: null, currency: "usd", description: "Stripe processing fees", type: "stripe_fee" }];
  }
  bt.net = bt.amount - bt.fee;
  return bt;
}

/** Stripe has no such balance transaction (the ledger booked money Stripe never moved). */
export function forgetBalanceTransaction(store: Store, id: string): void {
  if (!store.balanceTransactions.delete(id)) throw new Error(`fake-stripe: no such balance transaction ${id}`);
  store.balanceTransactionAccount.delete(id);
}

export function addPlatformFunds(store: Store, cents: number): Stripe.BalanceTransaction {
  if (!Number.isSafeInteger(cents) || cents <= 0) throw new Error(`fake-stripe: addPlatformFunds needs a positive whole number of cents, got ${cents}`);
  return recordBalanceTransaction(store, null, { amount: cents, type: "topup", reporting_category: "topup", source: store.id("tu"), description: "fake-stripe: platform funds (test knob)" });
}

/**
 * Refused with Stripe's code when `account` (null: the platform) cannot cover `cents`. The endpoint had started
 * executing, so Stripe saves this answer under the idempotency key: a retry with the same key gets it again even
 * after funds arrived (a new attempt needs a new key).
 */
export function requireAvailable(store: Store, account: string | null, cents: number, message: string): void {
  if (availableCents(store, account) >= cents) return;
  const e = invalidRequest(message, { code: "balance_insufficient" });
  throw new FakeStripeError(e.status, e.body, true);
}

export function balanceObject(store: Store, account: string | null): Stripe.Balance {
  const available = availableCents(store, account);
  return {
    object: "balance",
    available: [{ amount: available, currency: "usd", source_types: { card: available } }],
    ...(account === null ? { connect_reserved: [{ amount: 0, currency: "usd" }] } : {}),
    livemode: false,
    pending: [{ amount: 0, currency: "usd", source_types: { card: 0 } }],
  };
}

export const balanceRoutes: Route[] = [
  route("GET", "/v1/balance", ({ store, account }) => balanceObject(store, account), "either"),
  route("GET", "/v1/balance_transactions", ({ store, body, account }) => {
    const type = optString(body, "type");
    const source = optString(body, "source");
    const payout = optString(body, "payout");
    const created = createdFilter(body);
    if (payout && !store.payouts.has(payout)) throw invalidRequest(`No such payout: '${payout}'`, { param: "payout", code: "resource_missing" });
    // A payout's balance transactions: what it paid out (the fake's bank payouts are manual: only their own line).
    const matches = balanceTransactionsOf(store, account).filter((bt) => (!type || bt.type === type) && (!source || bt.source === source) && (!payout || bt.source === payout) && created(bt.created));
    return listOf("/v1/balance_transactions", matches, body);
  }, "either"),
];
