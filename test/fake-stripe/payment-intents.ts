/**
 * PaymentIntents: creation (on-session for Checkout, `off_session` + `confirm` for auto top-ups), confirmation
 * by each PaymentMethod's behaviour, and the async (bank debit) settle. A decline answers 402 card_error with
 * the PaymentIntent in the error body, as Stripe does, and that result is saved for idempotent replay.
 */
import type Stripe from "stripe";
import { FakeStripeError, invalidRequest, noSuch } from "./errors";
import { allowOnly, metadataOf, optBool, optEnum, optString, reqInt, reqString, sub, type ParamSpec } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, snapshot, type Store } from "./store";
import { createCharge, markChargeSucceeded, type ChargeFailure } from "./charges";
import { getCustomer } from "./customers";
import { attachPaymentMethod, getPaymentMethod } from "./payment-methods";

/** Stripe's minimum charge in USD. */
export const MIN_AMOUNT_CENTS = 50;

const DECLINES: Record<"card_declined" | "authentication_required", ChargeFailure> = {
  card_declined: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
  authentication_required: { code: "authentication_required", decline_code: "authentication_required", message: "Your card was declined. This transaction requires authentication." },
};

export function getPaymentIntent(store: Store, id: string, param?: string): Stripe.PaymentIntent {
  const pi = store.paymentIntents.get(id);
  if (!pi) throw noSuch("payment_intent", id, param);
  return pi;
}

export function newPaymentIntent(
  store: Store,
  input: { amount: number; currency: string; customer: string | null; payment_method: string | null; metadata: Record<string, string>; description: string | null; setup_future_usage: Stripe.PaymentIntent.SetupFutureUsage | null },
): Stripe.PaymentIntent {
  const id = store.id("pi");
  const pi: Stripe.PaymentIntent = {
    id,
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic_async",
    client_secret: `${id}_secret_${store.id("s").slice(2, 26)}`,
    confirmation_method: "automatic",
    created: store.now(),
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.payment_method,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: input.setup_future_usage,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.payment_method ? "requires_confirmation" : "requires_payment_method",
    transfer_data: null,
    transfer_group: null,
  };
  store.paymentIntents.set(id, pi);
  emit(store, "payment_intent.created", pi);
  return pi;
}

export type ConfirmResult = { ok: true } | { ok: false; failure: ChargeFailure; charge: Stripe.Charge | null };

/** Confirms with `pm`: cards per their behaviour; a bank debit goes to `processing` until settled. */
export function confirmPaymentIntent(store: Store, pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, opts: { off_session: boolean }): ConfirmResult {
  pi.payment_method = pm.id;
  pi.payment_method_types = [pm.type];
  pi.last_payment_error = null;
  if (pm.type === "us_bank_account") {
    const charge = createCharge(store, pi, pm, "pending");
    pi.latest_charge = charge.id;
    pi.status = "processing";
    pi.processing = null;
    saveForFuture(store, pi, pm);
    emit(store, "charge.pending", charge);
    emit(store, "payment_intent.processing", pi);
    return { ok: true };
  }
  const behaviour = store.paymentMethodBehaviour.get(pm.id) ?? "succeed";
  if (behaviour === "succeed") {
    const charge = createCharge(store, pi, pm, "succeeded");
    succeed(store, pi, charge, pm);
    return { ok: true };
  }
  const failure = DECLINES[behaviour];
  if (behaviour === "authentication_required" && !opts.off_session) {
    // On-session the customer could authenticate: no charge yet, the PaymentIntent waits for 3-D Secure.
    pi.status = "requires_action";
    pi.next_action = { type: "use_stripe_sdk", use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: `${store.apiBase}/3ds/${pi.id}` } };
    emit(store, "payment_intent.requires_action", pi);
    return { ok: false, failure, charge: null };
  }
  const charge = createCharge(store, pi, pm, "failed", failure);
  pi.latest_charge = charge.id;
  pi.status = "requires_payment_method";
  pi.last_payment_error = { type: "card_error", code: failure.code, decline_code: failure.decline_code, message: failure.message, charge: charge.id, payment_method: snapshot(pm), doc_url: `https://stripe.com/docs/error-codes/${failure.code.replace(/_/g, "-")}` };
  emit(store, "charge.failed", charge);
  emit(store, "payment_intent.payment_failed", pi);
  return { ok: false, failure, charge };
}

function succeed(store: Store, pi: Stripe.PaymentIntent, charge: Stripe.Charge, pm: Stripe.PaymentMethod): void {
  pi.latest_charge = charge.id;
  pi.status = "succeeded";
  pi.amount_received = pi.amount;
  saveForFuture(store, pi, pm);
  emit(store, "charge.succeeded", charge);
  emit(store, "payment_intent.succeeded", pi);
}

/** `setup_future_usage`: the PaymentMethod is attached to the customer for later off-session charges. */
function saveForFuture(store: Store, pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod): void {
  if (pi.setup_future_usage && typeof pi.customer === "string" && pm.customer === null) attachPaymentMethod(store, pm, pi.customer);
}

/** The bank's answer for a `processing` PaymentIntent (ACH settles days later). */
export function settlePaymentIntent(store: Store, pi: Stripe.PaymentIntent, outcome: "succeeded" | "failed"): void {
  if (pi.status !== "processing") throw new Error(`fake-stripe: PaymentIntent ${pi.id} is ${pi.status}, not processing`);
  const charge = store.charges.get(pi.latest_charge as string) as Stripe.Charge;
  const pm = store.paymentMethods.get(pi.payment_method as string) as Stripe.PaymentMethod;
  if (outcome === "succeeded") {
    markChargeSucceeded(store, charge);
    succeed(store, pi, charge, pm);
    return;
  }
  const failure = { code: "payment_intent_payment_attempt_failed", decline_code: "insufficient_funds", message: "The customer's bank account has insufficient funds." };
  charge.status = "failed";
  charge.failure_code = "insufficient_funds";
  charge.failure_message = failure.message;
  pi.status = "requires_payment_method";
  pi.last_payment_error = { type: "card_error", code: failure.code, decline_code: failure.decline_code, message: failure.message, charge: charge.id, payment_method: snapshot(pm) };
  emit(store, "charge.failed", charge);
  emit(store, "payment_intent.payment_failed", pi);
}

const CREATE_PARAMS: ParamSpec = {
  amount: true, currency: true, customer: true, payment_method: true, payment_method_types: "list", off_session: true, confirm: true, metadata: "map", description: true,
  setup_future_usage: true, receipt_email: true, statement_descriptor: true, statement_descriptor_suffix: true, return_url: true, error_on_requires_action: true, capture_method: true,
  automatic_payment_methods: { enabled: true, allow_redirects: true },
};

export const paymentIntentRoutes: Route[] = [
  route("POST", "/v1/payment_intents", ({ store, body }) => {
    allowOnly(body, CREATE_PARAMS);
    const amount = reqInt(body, "amount");
    const currency = reqString(body, "currency").toLowerCase();
    if (currency !== "usd") throw invalidRequest("The fake speaks usd only.", { param: "currency" });
    if (amount < MIN_AMOUNT_CENTS) throw invalidRequest("Amount must be at least $0.50 usd", { param: "amount", code: "amount_too_small" });
    const customerId = optString(body, "customer");
    if (customerId) getCustomer(store, customerId, "customer");
    const pmId = optString(body, "payment_method");
    const pm = pmId ? getPaymentMethod(store, pmId, "payment_method") : null;
    const offSession = optBool(body, "off_session") ?? false;
    const confirm = optBool(body, "confirm") ?? false;
    if (offSession && !confirm) throw invalidRequest("off_session can only be used when confirm=true.", { param: "off_session" });
    if (pm && pm.customer !== null && pm.customer !== customerId) throw invalidRequest(`The provided PaymentMethod belongs to a different Customer.`, { param: "payment_method" });
    if (pm && offSession && pm.customer === null) {
      throw invalidRequest("The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again.", { param: "payment_method" });
    }
    const pi = newPaymentIntent(store, {
      amount,
      currency,
      customer: customerId ?? null,
      payment_method: pm?.id ?? null,
      metadata: metadataOf(body.metadata),
      description: optString(body, "description") ?? null,
      setup_future_usage: optEnum(body, "setup_future_usage", ["off_session", "on_session"]) ?? null,
    });
    const apm = sub(body, "automatic_payment_methods");
    if (apm) {
      const allowRedirects = optEnum(apm, "allow_redirects", ["always", "never"], "automatic_payment_methods[allow_redirects]");
      pi.automatic_payment_methods = { enabled: optBool(apm, "enabled", "automatic_payment_methods[enabled]") ?? false, ...(allowRedirects ? { allow_redirects: allowRedirects } : {}) };
    }
    if (optEnum(body, "capture_method", ["automatic", "automatic_async", "manual"]) === "manual") throw invalidRequest("The fake supports automatic capture only.", { param: "capture_method" });
    if (!confirm) return pi;
    if (!pm) throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", { param: "payment_method", code: "payment_intent_unexpected_state" });
    const result = confirmPaymentIntent(store, pi, pm, { off_session: offSession });
    if (result.ok || pi.status === "requires_action") return pi;
    throw new FakeStripeError(
      402,
      {
        type: "card_error",
        code: result.failure.code,
        decline_code: result.failure.decline_code,
        message: result.failure.message,
        ...(result.charge ? { charge: result.charge.id } : {}),
        payment_intent: snapshot(pi),
        payment_method: snapshot(pm),
        doc_url: `https://stripe.com/docs/error-codes/${result.failure.code.replace(/_/g, "-")}`,
      },
      true,
    );
  }),
  route("GET", "/v1/payment_intents/:id", ({ store, params }) => getPaymentIntent(store, params[0] as string)),
  route("GET", "/v1/payment_intents", ({ store, body }) => {
    const customer = optString(body, "customer");
    return listOf("/v1/payment_intents", [...store.paymentIntents.values()].filter((p) => !customer || p.customer === customer), body);
  }),
];
