/**
 * Transfers (separate charges and transfers): platform balance → a connected account's balance, in usd, to an
 * account whose `transfers` capability is active, never more than the platform's available balance. Reversals
 * move money back, never more than is left on the transfer nor than the connected account holds. Balance
 * transactions on both sides (platform: transfer / transfer_refund; connected account: payment / payment_refund).
 * Events (platform): transfer.created; transfer.reversed + transfer.updated (partial reversals too); transfer.updated.
 */
import type Stripe from "stripe";
import type { FormObject } from "./form";
import { FakeStripeError, invalidRequest, noSuch } from "./errors";
import { allowOnly, metadataOf, optInt, optString, reqInt, reqString, type ParamSpec } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, snapshot, type Store } from "./store";
import { transfersActive } from "./accounts";
import { recordBalanceTransaction, requireAvailable } from "./balance";
import { formatUsd } from "./hosted-page";

const CREATE_PARAMS: ParamSpec = { amount: true, currency: true, destination: true, transfer_group: true, metadata: "map", description: true, source_type: true };
const REVERSAL_PARAMS: ParamSpec = { amount: true, metadata: "map", description: true, refund_application_fee: true };

/** Stripe's message when the platform's available balance is short (test mode names the card that fixes it). */
export const PLATFORM_BALANCE_INSUFFICIENT =
  "You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card. See: https://stripe.com/docs/testing#available-balance";

export function getTransfer(store: Store, id: string): Stripe.Transfer {
  const t = store.transfers.get(id);
  if (!t) throw noSuch("transfer", id);
  return t;
}

function destinationAccount(store: Store, id: string): Stripe.Account {
  const account = store.accounts.get(id);
  // A disconnected account is no longer the platform's to pay.
  if (!account || store.deauthorized.has(id)) throw invalidRequest(`No such destination: '${id}'`, { param: "destination", code: "resource_missing" });
  return account;
}

export function createTransfer(store: Store, body: FormObject): Stripe.Transfer {
  allowOnly(body, CREATE_PARAMS);
  const amount = reqInt(body, "amount");
  if (amount < 1) throw invalidRequest("This value must be greater than or equal to 1.", { param: "amount", code: "parameter_invalid_integer" });
  const currency = reqString(body, "currency").toLowerCase();
  if (currency !== "usd") throw invalidRequest(`Invalid currency: ${currency}. The fake's US platform transfers in usd only.`, { param: "currency", code: "parameter_invalid_string" });
  const account = destinationAccount(store, reqString(body, "destination"));
  if (!transfersActive(account)) {
    throw invalidRequest("Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments", { param: "destination", code: "insufficient_capabilities_for_transfer" });
  }
  requireAvailable(store, null, amount, PLATFORM_BALANCE_INSUFFICIENT);
  const id = store.id("tr");
  const paymentId = store.id("py");
  const description = optString(body, "description") ?? null;
  const bt = recordBalanceTransaction(store, null, { amount: -amount, type: "transfer", reporting_category: "transfer", source: id, description });
  recordBalanceTransaction(store, account.id, { amount, type: "payment", reporting_category: "charge", source: paymentId, description });
  const transfer: Stripe.Transfer = {
    id,
    object: "transfer",
    amount,
    amount_reversed: 0,
    balance_transaction: bt.id,
    created: store.now(),
    currency,
    description,
    destination: account.id,
    destination_payment: paymentId,
    livemode: false,
    metadata: metadataOf(body.metadata),
    reversals: { object: "list", data: [], has_more: false, url: `/v1/transfers/${id}/reversals` },
    reversed: false,
    source_transaction: null,
    source_type: optString(body, "source_type") ?? "card",
    transfer_group: optString(body, "transfer_group") ?? null,
  };
  store.transfers.set(id, transfer);
  emit(store, "transfer.created", transfer);
  return transfer;
}

export function createReversal(store: Store, transferId: string, input: { amount?: number; metadata?: Record<string, string>; description?: string }): Stripe.TransferReversal {
  const transfer = getTransfer(store, transferId);
  const left = transfer.amount - transfer.amount_reversed;
  if (left === 0) throw invalidRequest(`Transfer ${transfer.id} has already been fully reversed.`, { param: "amount" });
  const amount = input.amount ?? left;
  if (amount < 1) throw invalidRequest("This value must be greater than or equal to 1.", { param: "amount", code: "parameter_invalid_integer" });
  if (amount > left) throw invalidRequest(`Amount (${formatUsd(amount)}) is greater than the amount left on transfer ${transfer.id} (${formatUsd(left)}).`, { param: "amount" });
  const destination = transfer.destination as string;
  requireAvailable(store, destination, amount, `Insufficient funds in the connected account ${destination} to reverse this transfer: it has less available than ${formatUsd(amount)}.`);
  const id = store.id("trr");
  const refundId = store.id("pyr");
  const bt = recordBalanceTransaction(store, null, { amount, type: "transfer_refund", reporting_category: "transfer_reversal", source: id, description: input.description ?? null });
  recordBalanceTransaction(store, destination, { amount: -amount, type: "payment_refund", reporting_category: "transfer_reversal", source: refundId, description: input.description ?? null });
  const reversal: Stripe.TransferReversal = {
    id,
    object: "transfer_reversal",
    amount,
    balance_transaction: bt.id,
    created: store.now(),
    currency: transfer.currency,
    destination_payment_refund: refundId,
    metadata: input.metadata ?? {},
    source_refund: null,
    transfer: transfer.id,
  };
  store.transferReversals.set(id, reversal);
  const previous = snapshot({ amount_reversed: transfer.amount_reversed, reversed: transfer.reversed, reversals: transfer.reversals });
  transfer.amount_reversed += amount;
  transfer.reversed = transfer.amount_reversed === transfer.amount;
  transfer.reversals = { ...transfer.reversals, data: [reversal, ...transfer.reversals.data] };
  // Stripe sends transfer.reversed for partial reversals too.
  emit(store, "transfer.reversed", transfer, previous);
  emit(store, "transfer.updated", transfer, previous);
  return reversal;
}

/** A reversal made in Stripe's Dashboard (no API request): refusals throw plain Errors. */
export function reverseTransferByHand(store: Store, transferId: string, amountCents?: number): Stripe.TransferReversal {
  if (!store.transfers.has(transferId)) throw new Error(`fake-stripe: no such transfer ${transferId}`);
  try {
    return createReversal(store, transferId, { amount: amountCents });
  } catch (e) {
    if (e instanceof FakeStripeError) throw new Error(`fake-stripe: ${e.message}`);
    throw e;
  }
}

function reversalsOf(store: Store, transferId: string): Stripe.TransferReversal[] {
  return [...store.transferReversals.values()].filter((r) => r.transfer === transferId);
}

export const transferRoutes: Route[] = [
  route("POST", "/v1/transfers", ({ store, body }) => createTransfer(store, body)),
  route("GET", "/v1/transfers/:id", ({ store, params }) => getTransfer(store, params[0] as string)),
  route("POST", "/v1/transfers/:id", ({ store, params, body }) => {
    allowOnly(body, { metadata: "map", description: true });
    const transfer = getTransfer(store, params[0] as string);
    const previous: Record<string, unknown> = {};
    if (body.metadata !== undefined) {
      previous.metadata = transfer.metadata;
      transfer.metadata = metadataOf(body.metadata, transfer.metadata);
    }
    if (body.description !== undefined) {
      previous.description = transfer.description;
      transfer.description = optString(body, "description") ?? null;
    }
    if (Object.keys(previous).length > 0) emit(store, "transfer.updated", transfer, previous);
    return transfer;
  }),
  route("GET", "/v1/transfers", ({ store, body }) => {
    const group = optString(body, "transfer_group");
    const destination = optString(body, "destination");
    return listOf("/v1/transfers", [...store.transfers.values()].filter((t) => (!group || t.transfer_group === group) && (!destination || t.destination === destination)), body);
  }),
  route("POST", "/v1/transfers/:id/reversals", ({ store, params, body }) => {
    allowOnly(body, REVERSAL_PARAMS);
    return createReversal(store, params[0] as string, { amount: optInt(body, "amount"), metadata: metadataOf(body.metadata), description: optString(body, "description") });
  }),
  route("GET", "/v1/transfers/:id/reversals", ({ store, params, body }) => {
    const transfer = getTransfer(store, params[0] as string);
    return listOf(`/v1/transfers/${transfer.id}/reversals`, reversalsOf(store, transfer.id), body);
  }),
  route("GET", "/v1/transfers/:id/reversals/:rid", ({ store, params }) => {
    const transfer = getTransfer(store, params[0] as string);
    const reversal = store.transferReversals.get(params[1] as string);
    if (!reversal || reversal.transfer !== transfer.id) throw noSuch("transfer_reversal", params[1] as string);
    return reversal;
  }),
];
