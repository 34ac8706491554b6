/**
 * Invoices: built for a subscription's metered usage (billing.ts) or after a Checkout payment
 * (`invoice_creation`); finalized, then paid or failed. Retrieve and list. A paid invoice has an InvoicePayment
 * (since API 2025-03-31 invoices carry no `charge` / `payment_intent`: `/v1/invoice_payments?invoice=` says how
 * it was paid): a subscription invoice is collected by a PaymentIntent of its own, whose charge has a balance
 * transaction with Stripe's card fee; a Checkout receipt points at the Checkout's PaymentIntent (no second charge).
 */
import Stripe from "stripe";
import { invalidRequest, noSuch } from "./errors";
import { optString, sub } from "./params";
import { createCharge } from "./charges";
import { createPaymentMethod } from "./payment-methods";
import { newPaymentIntent } from "./payment-intents";
import { listOf, route, type Route } from "./router";
import { emit, type Store } from "./store";

export type InvoiceLineInput = { amount: number; description: string; price: Stripe.Price; quantity_decimal: string; subscription_item?: string };

export function getInvoice(store: Store, id: string, param?: string): Stripe.Invoice {
  const inv = store.invoices.get(id);
  if (!inv) throw noSuch("invoice", id, param);
  return inv;
}

/** A draft invoice with `lines`; totals are the sum of the line amounts (no tax, no discounts). */
export function createInvoice(
  store: Store,
  input: { customer: Stripe.Customer; subscription: string | null; billing_reason: Stripe.Invoice.BillingReason; period_start: number; period_end: number; lines: InvoiceLineInput[]; metadata?: Record<string, string>; description?: string | null },
): Stripe.Invoice {
  const id = store.id("in");
  const total = input.lines.reduce((s, l) => s + l.amount, 0);
  const lines: Stripe.InvoiceLineItem[] = input.lines.map((l) => ({
    id: store.id("il"),
    object: "line_item",
    amount: l.amount,
    currency: "usd",
    description: l.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: id,
    livemode: false,
    metadata: {},
    parent: l.subscription_item
      ? { type: "subscription_item_details", invoice_item_details: null, subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: input.subscription, subscription_item: l.subscription_item } }
      : { type: "invoice_item_details", subscription_item_details: null, invoice_item_details: { invoice_item: store.id("ii"), proration: false, proration_details: { credited_items: null }, subscription: null } },
    period: { start: input.period_start, end: input.period_end },
    pretax_credit_amounts: [],
    pricing: { type: "price_details", price_details: { price: l.price.id, product: l.price.product as string }, unit_amount_decimal: l.price.unit_amount_decimal },
    quantity: null,
    quantity_decimal: Stripe.Decimal.from(l.quantity_decimal),
    subscription: input.subscription,
    subtotal: l.amount,
    taxes: [],
  }));
  const c = input.customer;
  const invoice: Stripe.Invoice = {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Spotlane (fake Stripe)",
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: input.billing_reason,
    collection_method: "charge_automatically",
    created: store.now(),
    currency: "usd",
    custom_fields: null,
    customer: c.id,
    customer_account: null,
    customer_address: null,
    customer_email: c.email,
    customer_name: c.name ?? null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: input.description ?? null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: input.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: input.subscription ? { type: "subscription_details", quote_details: null, subscription_details: { metadata: { ...(store.subscriptions.get(input.subscription)?.metadata ?? {}) }, subscription: input.subscription } } : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.period_end,
    period_start: input.period_start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
  store.invoices.set(id, invoice);
  emit(store, "invoice.created", invoice);
  return invoice;
}

export function finalizeInvoice(store: Store, invoice: Stripe.Invoice): void {
  if (invoice.status !== "draft") throw invalidRequest(`This invoice is already finalized.`, { code: "invoice_not_editable" });
  const c = store.customers.get(invoice.customer as string);
  const seq = c?.next_invoice_sequence ?? 1;
  if (c) c.next_invoice_sequence = seq + 1;
  invoice.status = "open";
  invoice.number = `${c?.invoice_prefix ?? "FAKE"}-${String(seq).padStart(4, "0")}`;
  invoice.status_transitions.finalized_at = store.now();
  invoice.effective_at = store.now();
  invoice.hosted_invoice_url = `${store.apiBase}/invoices/${invoice.id}`;
  invoice.invoice_pdf = `${store.apiBase}/invoices/${invoice.id}/pdf`;
  emit(store, "invoice.finalized", invoice);
}

/**
 * The money of a paid invoice: `paidWith` (a Checkout's PaymentIntent, already charged), or a PaymentIntent of
 * its own charged on the customer's default card (the fake emits no payment_intent / charge events for it).
 */
function recordInvoicePayment(store: Store, invoice: Stripe.Invoice, paidWith?: Stripe.PaymentIntent): void {
  let pi = paidWith;
  if (!pi) {
    const customer = store.customers.get(invoice.customer as string);
    const subId = invoice.parent?.subscription_details?.subscription;
    const subPm = typeof subId === "string" ? store.subscriptions.get(subId)?.default_payment_method : null;
    const defaultPm = subPm ?? customer?.invoice_settings?.default_payment_method;
    const pm =
      (typeof defaultPm === "string" ? store.paymentMethods.get(defaultPm) : undefined) ??
      createPaymentMethod(store, { kind: "card", last4: "4242", behaviour: "succeed", email: customer?.email ?? null });
    pi = newPaymentIntent(store, { amount: invoice.amount_due, currency: invoice.currency, customer: invoice.customer as string, payment_method: pm.id, metadata: {}, description: `Payment for Invoice ${invoice.number ?? invoice.id}`, setup_future_usage: null });
    const charge = createCharge(store, pi, pm, "succeeded");
    pi.latest_charge = charge.id;
    pi.status = "succeeded";
    pi.amount_received = pi.amount;
  }
  const payment: Stripe.InvoicePayment = {
    id: store.id("inpay"),
    object: "invoice_payment",
    amount_paid: invoice.amount_due,
    amount_requested: invoice.amount_due,
    created: store.now(),
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { type: "payment_intent", payment_intent: pi.id, ...(typeof pi.latest_charge === "string" ? { charge: pi.latest_charge } : {}) },
    status: "paid",
    status_transitions: { canceled_at: null, paid_at: store.now() },
  };
  store.invoicePayments.set(payment.id, payment);
}

/** One collection attempt on an open invoice: paid (invoice.paid + invoice.payment_succeeded) or failed. */
export function attemptInvoicePayment(store: Store, invoice: Stripe.Invoice, outcome: "paid" | "payment_failed", paidWith?: Stripe.PaymentIntent): void {
  if (invoice.status !== "open") throw new Error(`fake-stripe: invoice ${invoice.id} is ${invoice.status}, not open`);
  invoice.attempted = true;
  invoice.attempt_count += 1;
  if (outcome === "paid" || invoice.amount_due === 0) {
    invoice.status = "paid";
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.ending_balance = 0;
    invoice.next_payment_attempt = null;
    invoice.status_transitions.paid_at = store.now();
    if (invoice.amount_due > 0) recordInvoicePayment(store, invoice, paidWith);
    emit(store, "invoice.paid", invoice);
    emit(store, "invoice.payment_succeeded", invoice);
    return;
  }
  invoice.next_payment_attempt = store.now() + 3 * 86_400;
  emit(store, "invoice.payment_failed", invoice);
}

export const invoiceRoutes: Route[] = [
  route("GET", "/v1/invoices/:id", ({ store, params }) => getInvoice(store, params[0] as string)),
  route("GET", "/v1/invoices", ({ store, body }) => {
    const customer = optString(body, "customer");
    const subscription = optString(body, "subscription");
    const status = optString(body, "status");
    const matches = [...store.invoices.values()].filter((i) => (!customer || i.customer === customer) && (!subscription || i.parent?.subscription_details?.subscription === subscription) && (!status || i.status === status));
    return listOf("/v1/invoices", matches, body);
  }),
  route("GET", "/v1/invoice_payments/:id", ({ store, params }) => {
    const p = store.invoicePayments.get(params[0] as string);
    if (!p) throw noSuch("invoice_payment", params[0] as string);
    return p;
  }),
  route("GET", "/v1/invoice_payments", ({ store, body }) => {
    const invoice = optString(body, "invoice");
    const status = optString(body, "status");
    if (invoice) getInvoice(store, invoice, "invoice");
    // payment[type]=payment_intent&payment[payment_intent]=pi_…: which invoice a PaymentIntent paid.
    const byPayment = sub(body, "payment");
    const pi = byPayment ? optString(byPayment, "payment_intent") : undefined;
    if (byPayment && optString(byPayment, "type") !== "payment_intent") throw invalidRequest("payment[type] must be payment_intent or payment_record.", { param: "payment[type]" });
    const matches = [...store.invoicePayments.values()].filter((p) => (!invoice || p.invoice === invoice) && (!status || p.status === status) && (!pi || p.payment.payment_intent === pi));
    return listOf("/v1/invoice_payments", matches, body);
  }),
];
