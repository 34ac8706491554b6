/**
 * What the customer does on the hosted Checkout page (and the bank afterwards): pay by card (4242), a declined
 * card (0002: the session stays open, retry allowed), a bank debit (completes `unpaid`, settles later), and
 * the session expiring. These are dashboard/customer actions: their events carry `request: { id: null }`.
 */
import type Stripe from "stripe";
import { FakeStripeError } from "./errors";
import { emit, type Store } from "./store";
import { expireSession } from "./checkout";
import { createInvoice, finalizeInvoice, attemptInvoicePayment } from "./invoices";
import { confirmPaymentIntent, getPaymentIntent, newPaymentIntent, settlePaymentIntent } from "./payment-intents";
import { createPaymentMethod } from "./payment-methods";

export type CheckoutMethod = "card" | "card_declined" | "async_bank";
export type PayResult = { redirect_url: string | null; error: string | null };

function sessionOrThrow(store: Store, sessionId: string): Stripe.Checkout.Session {
  const session = store.sessions.get(sessionId);
  if (!session) throw new Error(`fake-stripe: no such Checkout Session ${sessionId}`);
  return session;
}

/** Sessions past `expires_at` expire when next touched (Stripe runs a sweeper; the effect is the same). */
export function expireIfDue(store: Store, session: Stripe.Checkout.Session): void {
  if (session.status === "open" && store.now() >= session.expires_at) expireSession(store, session);
}

export function payCheckout(store: Store, sessionId: string, method: CheckoutMethod = "card"): PayResult {
  const session = sessionOrThrow(store, sessionId);
  expireIfDue(store, session);
  if (session.status !== "open") return { redirect_url: null, error: "This Checkout Session is no longer active." };
  const data = store.sessionPaymentData.get(session.id) ?? { metadata: {}, setup_future_usage: null, description: null };
  const customer = typeof session.customer === "string" ? session.customer : null;
  const email = session.customer_details?.email ?? session.customer_email ?? null;
  const pi =
    typeof session.payment_intent === "string"
      ? getPaymentIntent(store, session.payment_intent)
      : newPaymentIntent(store, { amount: session.amount_total ?? 0, currency: "usd", customer, payment_method: null, metadata: { ...data.metadata }, description: data.description, setup_future_usage: data.setup_future_usage });
  session.payment_intent = pi.id;
  const pm =
    method === "async_bank"
      ? createPaymentMethod(store, { kind: "us_bank_account", last4: "6789", behaviour: "succeed", email })
      : createPaymentMethod(store, { kind: "card", last4: method === "card" ? "4242" : "0002", behaviour: method === "card" ? "succeed" : "card_declined", email });
  const result = confirmPaymentIntent(store, pi, pm, { off_session: false });
  if (!result.ok) return { redirect_url: null, error: result.failure.message };
  session.status = "complete";
  session.url = null;
  session.payment_status = pi.status === "succeeded" ? "paid" : "unpaid";
  session.customer_details = session.customer_details ?? { address: null, business_name: null, email, individual_name: null, name: null, phone: null, tax_exempt: "none", tax_ids: null };
  if (session.payment_status === "paid") createPaidInvoice(store, session);
  emit(store, "checkout.session.completed", session);
  return { redirect_url: (session.success_url ?? "").replace("{CHECKOUT_SESSION_ID}", session.id), error: null };
}

/** `invoice_creation.enabled`: Stripe issues a paid invoice for the one-off payment (a receipt for finance). */
function createPaidInvoice(store: Store, session: Stripe.Checkout.Session): void {
  if (!session.invoice_creation?.enabled || typeof session.customer !== "string") return;
  const customer = store.customers.get(session.customer);
  if (!customer) return;
  const items = store.sessionLineItems.get(session.id) ?? [];
  const invoice = createInvoice(store, {
    customer,
    subscription: null,
    billing_reason: "manual",
    period_start: store.now(),
    period_end: store.now(),
    lines: items.map((li) => ({ amount: li.amount_total, description: li.description ?? "Payment", price: li.price as Stripe.Price, quantity_decimal: String(li.quantity ?? 1) })),
    metadata: session.invoice_creation.invoice_data.metadata ?? {},
    description: session.invoice_creation.invoice_data.description,
  });
  finalizeInvoice(store, invoice);
  const pi = typeof session.payment_intent === "string" ? store.paymentIntents.get(session.payment_intent) : undefined;
  attemptInvoicePayment(store, invoice, "paid", pi);
  session.invoice = invoice.id;
}

/** The bank's answer for a session paid by bank debit (completed `unpaid`). */
export function settleAsyncPayment(store: Store, sessionId: string, outcome: "succeeded" | "failed"): void {
  const session = sessionOrThrow(store, sessionId);
  if (session.status !== "complete" || session.payment_status !== "unpaid" || typeof session.payment_intent !== "string") {
    throw new Error(`fake-stripe: session ${sessionId} is not awaiting an async payment (status ${session.status}, payment_status ${session.payment_status})`);
  }
  const pi = getPaymentIntent(store, session.payment_intent);
  settlePaymentIntent(store, pi, outcome);
  if (outcome === "succeeded") {
    session.payment_status = "paid";
    createPaidInvoice(store, session);
    emit(store, "checkout.session.async_payment_succeeded", session);
  } else {
    emit(store, "checkout.session.async_payment_failed", session);
  }
}

export function expireCheckout(store: Store, sessionId: string): void {
  const session = sessionOrThrow(store, sessionId);
  try {
    expireSession(store, session);
  } catch (e) {
    if (e instanceof FakeStripeError) throw new Error(`fake-stripe: ${e.message}`);
    throw e;
  }
}
