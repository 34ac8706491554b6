/**
 * Subscriptions on the metered price, and their invoices: `invoiceSubscription` bills the customer's accepted
 * meter values since the last invoice at `unit_amount_decimal` (round half-up to cents), finalizes, then pays
 * or fails it. Creating a subscription issues Stripe's $0 first invoice (billing_reason subscription_create).
 */
import type Stripe from "stripe";
import type { FormObject } from "./form";
import { invalidRequest, noSuch } from "./errors";
import { allowOnly, list, metadataOf, optBool, optString, reqString } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, type Store } from "./store";
import { getCustomer } from "./customers";
import { getPrice } from "./prices";
import { addDec, decToString, mulDec, parseDec, roundHalfUp, type Dec } from "./decimal";
import { attemptInvoicePayment, createInvoice, finalizeInvoice, getInvoice } from "./invoices";

function addMonth(seconds: number): number {
  const d = new Date(seconds * 1000);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return Math.floor(d.getTime() / 1000);
}

export function getSubscription(store: Store, id: string): Stripe.Subscription {
  const s = store.subscriptions.get(id);
  if (!s) throw noSuch("subscription", id);
  return s;
}

function planOf(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id, object: "plan", active: price.active, amount: price.unit_amount, amount_decimal: price.unit_amount_decimal, billing_scheme: "per_unit", created: price.created,
    currency: price.currency, interval: price.recurring?.interval ?? "month", interval_count: 1, livemode: false, metadata: {}, meter: price.recurring?.meter ?? null, nickname: null,
    product: price.product, tiers_mode: null, transform_usage: null, trial_period_days: null, usage_type: price.recurring?.usage_type ?? "licensed",
  };
}

function createSubscription(store: Store, body: FormObject): Stripe.Subscription {
  allowOnly(body, { customer: true, items: [{ price: true }], metadata: "map", collection_method: true, days_until_due: true, default_payment_method: true, payment_behavior: true, description: true });
  const customer = getCustomer(store, reqString(body, "customer"), "customer");
  const items = list(body, "items");
  if (items.length !== 1) throw invalidRequest("The fake supports exactly one subscription item (the metered price).", { param: "items" });
  const price = getPrice(store, reqString(items[0] as FormObject, "price", "items[0][price]"), "items[0][price]");
  if (price.recurring?.usage_type !== "metered") throw invalidRequest("The fake supports metered prices only in subscriptions.", { param: "items[0][price]" });
  const defaultPm = optString(body, "default_payment_method");
  if (defaultPm && store.paymentMethods.get(defaultPm)?.customer !== customer.id) throw noSuch("PaymentMethod", defaultPm, "default_payment_method");
  const now = store.now();
  const id = store.id("sub");
  const item: Stripe.SubscriptionItem = {
    id: store.id("si"), object: "subscription_item", billing_thresholds: null, created: now, current_period_end: addMonth(now), current_period_start: now, current_trial: null,
    discounts: [], metadata: {}, plan: planOf(price), price, subscription: id, tax_rates: [],
  };
  const collection = optString(body, "collection_method") === "send_invoice" ? "send_invoice" : "charge_automatically";
  const sub: Stripe.Subscription = {
    id, object: "subscription", application: null, application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null }, billing_cycle_anchor: now, billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: "classic" }, billing_schedules: [], billing_thresholds: null, cancel_at: null, cancel_at_period_end: false, canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null }, collection_method: collection, created: now, currency: "usd", customer: customer.id, customer_account: null,
    days_until_due: collection === "send_invoice" ? 30 : null, default_payment_method: optString(body, "default_payment_method") ?? null, default_source: null, default_tax_rates: [],
    description: optString(body, "description") ?? null, discounts: [], ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
    items: { object: "list", data: [item], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null, livemode: false, managed_payments: null, metadata: metadataOf(body.metadata), next_pending_invoice_item_invoice: null, on_behalf_of: null,
    pause_collection: null, payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null, pending_setup_intent: null, pending_update: null, schedule: null, start_date: now, status: "active", test_clock: null,
    transfer_data: null, trial_end: null, trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" } }, trial_start: null,
  };
  store.subscriptions.set(id, sub);
  // Usage before the subscription started is not billed by it.
  store.subscriptionBilledThrough.set(id, store.meterEvents.length);
  emit(store, "customer.subscription.created", sub);
  const first = createInvoice(store, { customer, subscription: id, billing_reason: "subscription_create", period_start: now, period_end: now, lines: [{ amount: 0, description: `0 × ${price.id}`, price, quantity_decimal: "0", subscription_item: item.id }] });
  finalizeInvoice(store, first);
  attemptInvoicePayment(store, first, "paid");
  sub.latest_invoice = first.id;
  return sub;
}

/** Closes the current period: bills the metered usage since the last invoice and collects it. */
export function invoiceSubscription(store: Store, subscriptionId: string, outcome: "paid" | "payment_failed"): Stripe.Invoice {
  const sub = store.subscriptions.get(subscriptionId);
  if (!sub) throw new Error(`fake-stripe: no such subscription ${subscriptionId}`);
  if (sub.status === "canceled") throw new Error(`fake-stripe: subscription ${subscriptionId} is canceled`);
  const item = sub.items.data[0] as Stripe.SubscriptionItem;
  const price = item.price;
  const meter = store.meters.get(price.recurring?.meter ?? "");
  if (!meter) throw new Error(`fake-stripe: price ${price.id} has no meter`);
  const from = store.subscriptionBilledThrough.get(sub.id) ?? 0;
  const events = store.meterEvents.slice(from).filter((e) => e.event_name === meter.event_name && e.payload[meter.customer_mapping.event_payload_key] === sub.customer);
  store.subscriptionBilledThrough.set(sub.id, store.meterEvents.length);
  const quantity = events.reduce<Dec>((sum, e) => addDec(sum, parseDec(e.payload[meter.value_settings.event_payload_key] ?? "0")), { units: 0n, scale: 0 });
  const cents = roundHalfUp(mulDec(quantity, parseDec(String(price.unit_amount_decimal))));
  const customer = getCustomer(store, sub.customer as string);
  const periodStart = item.current_period_start;
  const periodEnd = store.now();
  const invoice = createInvoice(store, {
    customer,
    subscription: sub.id,
    billing_reason: "subscription_cycle",
    period_start: periodStart,
    period_end: periodEnd,
    lines: [{ amount: Number(cents), description: `${decToString(quantity)} × Spotlane inference usage (at $${String(price.unit_amount_decimal)} / 100 per unit)`, price, quantity_decimal: decToString(quantity), subscription_item: item.id }],
  });
  item.current_period_start = periodEnd;
  item.current_period_end = addMonth(periodEnd);
  sub.latest_invoice = invoice.id;
  finalizeInvoice(store, invoice);
  collect(store, sub, invoice, outcome);
  // cancel_at_period_end: this was the period's last invoice.
  if (sub.cancel_at_period_end) cancel(store, sub);
  return invoice;
}

function cancel(store: Store, sub: Stripe.Subscription): void {
  sub.status = "canceled";
  sub.canceled_at = sub.canceled_at ?? store.now();
  sub.ended_at = store.now();
  emit(store, "customer.subscription.deleted", sub);
}

function collect(store: Store, sub: Stripe.Subscription | undefined, invoice: Stripe.Invoice, outcome: "paid" | "payment_failed"): void {
  attemptInvoicePayment(store, invoice, outcome);
  if (!sub || sub.status === "canceled") return;
  const next = invoice.status === "paid" ? "active" : "past_due";
  if (sub.status !== next) {
    const previous = { status: sub.status };
    sub.status = next;
    emit(store, "customer.subscription.updated", sub, previous);
  }
}

/** Stripe's retry of an open invoice (smart retries / the customer paying the hosted invoice). */
export function payInvoice(store: Store, invoiceId: string, outcome: "paid" | "payment_failed"): Stripe.Invoice {
  const invoice = store.invoices.get(invoiceId);
  if (!invoice) throw new Error(`fake-stripe: no such invoice ${invoiceId}`);
  const subId = invoice.parent?.subscription_details?.subscription;
  collect(store, typeof subId === "string" ? store.subscriptions.get(subId) : undefined, invoice, outcome);
  return invoice;
}

export const subscriptionRoutes: Route[] = [
  route("POST", "/v1/subscriptions", ({ store, body }) => createSubscription(store, body)),
  route("GET", "/v1/subscriptions/:id", ({ store, params }) => getSubscription(store, params[0] as string)),
  route("GET", "/v1/subscriptions", ({ store, body }) => {
    const customer = optString(body, "customer");
    const status = optString(body, "status");
    return listOf("/v1/subscriptions", [...store.subscriptions.values()].filter((s) => (!customer || s.customer === customer) && (!status || status === "all" || s.status === status)), body);
  }),
  route("DELETE", "/v1/subscriptions/:id", ({ store, params }) => {
    const sub = getSubscription(store, params[0] as string);
    if (sub.status === "canceled") throw invalidRequest(`No such subscription: '${sub.id}'`, { code: "resource_missing", status: 404 });
    cancel(store, sub);
    return sub;
  }),
  route("POST", "/v1/subscriptions/:id", ({ store, params, body }) => {
    allowOnly(body, { cancel_at_period_end: true, metadata: "map", default_payment_method: true, description: true });
    const sub = getSubscription(store, params[0] as string);
    if (sub.status === "canceled") throw invalidRequest("A canceled subscription can only update its cancellation_details and metadata.", { code: "resource_missing" });
    const previous: Record<string, unknown> = {};
    const cancelAtEnd = optBool(body, "cancel_at_period_end");
    if (cancelAtEnd !== undefined && cancelAtEnd !== sub.cancel_at_period_end) {
      Object.assign(previous, { cancel_at_period_end: sub.cancel_at_period_end, cancel_at: sub.cancel_at, canceled_at: sub.canceled_at });
      sub.cancel_at_period_end = cancelAtEnd;
      sub.cancel_at = cancelAtEnd ? (sub.items.data[0]?.current_period_end ?? null) : null;
      sub.canceled_at = cancelAtEnd ? store.now() : null;
    }
    if (body.metadata !== undefined) {
      previous.metadata = sub.metadata;
      sub.metadata = metadataOf(body.metadata, sub.metadata);
    }
    const pm = optString(body, "default_payment_method");
    if (pm !== undefined) {
      if (store.paymentMethods.get(pm)?.customer !== sub.customer) throw noSuch("PaymentMethod", pm, "default_payment_method");
      previous.default_payment_method = sub.default_payment_method;
      sub.default_payment_method = pm;
    }
    if (Object.keys(previous).length > 0) emit(store, "customer.subscription.updated", sub, previous);
    return sub;
  }),
  route("POST", "/v1/invoices/:id/pay", ({ store, params }) => {
    const invoice = getInvoice(store, params[0] as string);
    if (invoice.status !== "open") throw invalidRequest("Invoice is already paid", { code: "invoice_payment_intent_requires_action" });
    return payInvoice(store, invoice.id, "paid");
  }),
];
