/**
 * The hosted Checkout page a browser (or Playwright, or a plain `fetch` with a form body) can use: the amount,
 * three buttons with stable test ids (`pay-card`, `pay-declined`, `pay-async`), a cancel link, and the error
 * after a decline. Also the charge receipt page (`receipt_url`). Connect's pages are in onboarding-page.ts.
 */
import type Stripe from "stripe";
import { payCheckout, expireIfDue, type CheckoutMethod } from "./checkout-pay";
import type { Store } from "./store";

export type PageResponse = { status: number; headers: Record<string, string>; body: string };

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** Whole cents as "$12.34" (integer arithmetic: no floats for money, even on a fake page). */
export function formatUsd(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString("en-US")}.${String(abs % 100).padStart(2, "0")}`;
}

export function page(title: string, inner: string, status = 200): PageResponse {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}button{display:block;width:100%;margin:.5rem 0;padding:.7rem;font-size:1rem}.error{color:#b00020}.amount{font-size:2rem;font-weight:600}</style>
</head><body><p><small>fake Stripe — test mode</small></p>${inner}</body></html>`;
  return { status, headers: { "content-type": "text/html; charset=utf-8" }, body };
}

function checkoutPage(store: Store, session: Stripe.Checkout.Session, error: string | null): PageResponse {
  if (session.status !== "open") {
    const back = session.status === "complete" && session.success_url ? `<p><a data-testid="continue" href="${esc(session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id))}">Continue</a></p>` : "";
    return page("Checkout", `<h1 data-testid="checkout-inactive">This Checkout Session is no longer active.</h1><p data-testid="checkout-status">${esc(session.status ?? "")}</p>${back}`);
  }
  const items = (store.sessionLineItems.get(session.id) ?? []).map((li) => `<li>${esc(li.description ?? "Item")} × ${li.quantity ?? 1}: ${formatUsd(li.amount_total)}</li>`).join("");
  const action = `/checkout/pay/${esc(session.id)}`;
  const button = (method: CheckoutMethod, testId: string, label: string) =>
    `<form method="post" action="${action}"><input type="hidden" name="method" value="${method}"><button type="submit" data-testid="${testId}">${esc(label)}</button></form>`;
  const cancel = session.cancel_url ? `<p><a data-testid="cancel" href="${esc(session.cancel_url)}">Cancel and go back</a></p>` : "";
  return page(
    "Pay",
    `<h1>Pay Spotlane</h1><p class="amount" data-testid="amount">${formatUsd(session.amount_total ?? 0)}</p><ul>${items}</ul>
${error ? `<p class="error" role="alert" data-testid="pay-error">${esc(error)}</p>` : ""}
${button("card", "pay-card", "Pay with card 4242 4242 4242 4242")}
${button("card_declined", "pay-declined", "Pay with card 4000 0000 0000 0002 (declined)")}
${button("async_bank", "pay-async", "Pay by US bank debit (settles later)")}
${cancel}`,
    error ? 402 : 200,
  );
}

export function hostedCheckoutGet(store: Store, sessionId: string): PageResponse {
  const session = store.sessions.get(sessionId);
  if (!session) return page("Not found", "<h1>No such Checkout Session.</h1>", 404);
  expireIfDue(store, session);
  return checkoutPage(store, session, null);
}

export function hostedCheckoutPost(store: Store, sessionId: string, method: string | undefined): PageResponse {
  const session = store.sessions.get(sessionId);
  if (!session) return page("Not found", "<h1>No such Checkout Session.</h1>", 404);
  if (method !== "card" && method !== "card_declined" && method !== "async_bank") return checkoutPage(store, session, "Choose a payment method.");
  const result = payCheckout(store, sessionId, method);
  if (result.redirect_url) return { status: 303, headers: { location: result.redirect_url, "content-type": "text/plain" }, body: `See ${result.redirect_url}` };
  return checkoutPage(store, session, result.error);
}

export function receiptPage(store: Store, chargeId: string): PageResponse {
  const charge = store.charges.get(chargeId);
  if (!charge) return page("Not found", "<h1>No such receipt.</h1>", 404);
  const refunded = charge.amount_refunded > 0 ? `<p data-testid="receipt-refunded">Refunded ${formatUsd(charge.amount_refunded)}</p>` : "";
  return page("Receipt", `<h1>Receipt from Spotlane</h1><p class="amount" data-testid="receipt-amount">${formatUsd(charge.amount)}</p><p>Charge ${esc(charge.id)} — ${esc(charge.status)}</p>${refunded}`);
}

export function invoicePage(store: Store, invoiceId: string): PageResponse {
  const invoice = store.invoices.get(invoiceId);
  if (!invoice) return page("Not found", "<h1>No such invoice.</h1>", 404);
  const lines = invoice.lines.data.map((l) => `<li>${esc(l.description ?? "")}: ${formatUsd(l.amount)}</li>`).join("");
  return page("Invoice", `<h1>Invoice ${esc(invoice.number ?? invoice.id)}</h1><p class="amount" data-testid="invoice-amount">${formatUsd(invoice.amount_due)}</p><p data-testid="invoice-status">${esc(invoice.status ?? "")}</p><ul>${lines}</ul>`);
}
