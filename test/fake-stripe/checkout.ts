/**
 * Checkout Sessions (mode payment): create, retrieve (expand line_items / payment_intent[.latest_charge]),
 * list, line_items, expire. Paying happens on the hosted page (checkout-pay.ts, hosted-page.ts).
 */
import type Stripe from "stripe";
import type { FormObject } from "./form";
import { invalidRequest, noSuch } from "./errors";
import { allowOnly, list, metadataOf, optBool, optEnum, optInt, optString, reqString, sub, type ParamSpec } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, type Store } from "./store";
import { getCustomer } from "./customers";
import { MIN_AMOUNT_CENTS } from "./payment-intents";
import { getPrice, priceFromData } from "./prices";

const CREATE_PARAMS: ParamSpec = {
  mode: true,
  customer: true,
  customer_email: true,
  customer_creation: true,
  client_reference_id: true,
  line_items: [{ price: true, quantity: true, price_data: { currency: true, unit_amount: true, unit_amount_decimal: true, product: true, product_data: { name: true, description: true, metadata: "map" }, tax_behavior: true } }],
  metadata: "map",
  payment_intent_data: { metadata: "map", setup_future_usage: true, description: true, receipt_email: true, statement_descriptor_suffix: true },
  invoice_creation: { enabled: true, invoice_data: { description: true, footer: true, metadata: "map" } },
  success_url: true,
  cancel_url: true,
  expires_at: true,
  locale: true,
  submit_type: true,
  ui_mode: true,
};

export function getSession(store: Store, id: string): Stripe.Checkout.Session {
  const s = store.sessions.get(id);
  if (!s) throw noSuch("checkout.session", id);
  return s;
}

function createSession(store: Store, body: FormObject): Stripe.Checkout.Session {
  allowOnly(body, CREATE_PARAMS);
  const mode = reqString(body, "mode");
  if (mode !== "payment") throw invalidRequest("The fake supports mode=payment only.", { param: "mode" });
  const customerId = optString(body, "customer");
  const customer = customerId ? getCustomer(store, customerId, "customer") : null;
  const items = list(body, "line_items");
  if (items.length === 0) throw invalidRequest("line_items is required in payment mode.", { param: "line_items", code: "parameter_missing" });
  const id = store.id("cs_test");
  const lineItems: Stripe.LineItem[] = items.map((item, i) => {
    allowOnly(item, (CREATE_PARAMS.line_items as [ParamSpec])[0], `line_items[${i}]`);
    const quantity = optInt(item, "quantity", `line_items[${i}][quantity]`) ?? 1;
    if (quantity < 1) throw invalidRequest("Quantity must be at least 1.", { param: `line_items[${i}][quantity]` });
    const priceData = sub(item, "price_data");
    const priceId = optString(item, "price");
    if (priceData && priceId) throw invalidRequest("You may only specify one of these parameters: price, price_data.", { param: `line_items[${i}]` });
    const price = priceData ? priceFromData(store, priceData, `line_items[${i}][price_data]`) : priceId ? getPrice(store, priceId, `line_items[${i}][price]`) : null;
    if (!price) throw invalidRequest(`Missing required param: line_items[${i}][price].`, { param: `line_items[${i}][price]`, code: "parameter_missing" });
    if (price.type !== "one_time" || price.unit_amount === null) throw invalidRequest("In payment mode, every line item needs a one-time price with a unit_amount.", { param: `line_items[${i}][price]` });
    const amount = price.unit_amount * quantity;
    const product = store.products.get(price.product as string);
    return { id: store.id("li"), object: "item", adjustable_quantity: null, amount_discount: 0, amount_subtotal: amount, amount_tax: 0, amount_total: amount, currency: price.currency, description: product?.name ?? null, metadata: {}, price, quantity };
  });
  const total = lineItems.reduce((sum, li) => sum + li.amount_total, 0);
  if (total < MIN_AMOUNT_CENTS) throw invalidRequest("The Checkout Session's total amount due must add up to at least $0.50 usd", { param: "line_items", code: "amount_too_small" });
  const successUrl = reqString(body, "success_url");
  const now = store.now();
  const expiresAt = optInt(body, "expires_at") ?? now + 24 * 3600;
  if (expiresAt < now + 30 * 60 || expiresAt > now + 24 * 3600) throw invalidRequest("expires_at must be between 30 minutes and 24 hours from now.", { param: "expires_at" });
  const pid = sub(body, "payment_intent_data") ?? {};
  const invoiceCreation = sub(body, "invoice_creation");
  const invoiceData = invoiceCreation ? (sub(invoiceCreation, "invoice_data") ?? {}) : {};
  const session: Stripe.Checkout.Session = {
    id,
    object: "checkout.session",
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: optString(body, "cancel_url") ?? null,
    client_reference_id: optString(body, "client_reference_id") ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency: "usd",
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: customer?.id ?? null,
    customer_account: null,
    customer_creation: customer ? null : (optEnum(body, "customer_creation", ["always", "if_required"]) ?? "if_required"),
    customer_details: customer ? { address: null, business_name: null, email: customer.email, individual_name: null, name: customer.name ?? null, phone: null, tax_exempt: "none", tax_ids: null } : null,
    customer_email: optString(body, "customer_email") ?? null,
    discounts: [],
    expires_at: expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: {
      enabled: invoiceCreation ? (optBool(invoiceCreation, "enabled", "invoice_creation[enabled]") ?? false) : false,
      invoice_data: { account_tax_ids: null, custom_fields: null, description: optString(invoiceData, "description") ?? null, footer: optString(invoiceData, "footer") ?? null, issuer: null, metadata: metadataOf(invoiceData.metadata), rendering_options: null },
    },
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: metadataOf(body.metadata),
    mode: "payment",
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "if_required",
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card", "us_bank_account"],
    payment_status: "unpaid",
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted_page",
    url: `${store.apiBase}/checkout/pay/${id}`,
    wallet_options: null,
  };
  store.sessions.set(id, session);
  store.sessionLineItems.set(id, lineItems);
  store.sessionPaymentData.set(id, {
    metadata: metadataOf(pid.metadata),
    setup_future_usage: optEnum(pid, "setup_future_usage", ["off_session", "on_session"], "payment_intent_data[setup_future_usage]") ?? null,
    description: optString(pid, "description") ?? null,
  });
  return session;
}

export function lineItemsList(store: Store, sessionId: string): Stripe.ApiList<Stripe.LineItem> {
  const items = store.sessionLineItems.get(sessionId) ?? [];
  return { object: "list", data: items, has_more: false, url: `/v1/checkout/sessions/${sessionId}/line_items` };
}

/** open → expired (Stripe's only allowed transition for expiry); the event says so. */
export function expireSession(store: Store, session: Stripe.Checkout.Session): Stripe.Checkout.Session {
  if (session.status !== "open") throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`, { code: "checkout_session_unexpected_state" });
  session.status = "expired";
  session.url = null;
  emit(store, "checkout.session.expired", session);
  return session;
}

export const checkoutRoutes: Route[] = [
  route("POST", "/v1/checkout/sessions", ({ store, body }) => createSession(store, body)),
  route("GET", "/v1/checkout/sessions/:id", ({ store, params }) => getSession(store, params[0] as string)),
  route("GET", "/v1/checkout/sessions/:id/line_items", ({ store, params }) => lineItemsList(store, getSession(store, params[0] as string).id)),
  route("POST", "/v1/checkout/sessions/:id/expire", ({ store, params, body }) => {
    allowOnly(body, {});
    return expireSession(store, getSession(store, params[0] as string));
  }),
  route("GET", "/v1/checkout/sessions", ({ store, body }) => {
    const pi = optString(body, "payment_intent");
    const customer = optString(body, "customer");
    const status = optString(body, "status");
    return listOf("/v1/checkout/sessions", [...store.sessions.values()].filter((s) => (!pi || s.payment_intent === pi) && (!customer || s.customer === customer) && (!status || s.status === status)), body);
  }),
];
