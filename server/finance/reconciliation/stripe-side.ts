import Stripe from "stripe";
import type { Period } from "../period";
import type { StripeTxn } from "./match";

function toTxn(bt: Stripe.BalanceTransaction): StripeTxn | null {
  const source = typeof bt.source === "string" ? bt.source : (bt.source?.id ?? null);
  // A balance transaction with no source (rare: some manual adjustments) has nothing to match on; it is its own.
  return { id: bt.id, type: bt.type, source: source ?? bt.id, amount_cents: bt.amount, fee_cents: bt.fee, created: new Date(bt.created * 1000) };
}

/** The platform's balance transactions created in `period` (Stripe's seconds: [floor(start), ceil(end))), every page. */
export async function platformTxnsIn(stripe: Stripe, period: Period): Promise<StripeTxn[]> {
  const out: StripeTxn[] = [];
  const created = { gte: Math.floor(period.start.getTime() / 1000), lt: Math.ceil(period.end.getTime() / 1000) };
  for await (const bt of stripe.balanceTransactions.list({ created, limit: 100 })) {
    const t = toTxn(bt);
    if (t) out.push(t);
  }
  return out;
}

/** Every platform balance transaction of one Stripe object, whenever it was created. */
export async function platformTxnsOf(stripe: Stripe, source: string): Promise<StripeTxn[]> {
  const out: StripeTxn[] = [];
  for await (const bt of stripe.balanceTransactions.list({ source, limit: 100 })) {
    const t = toTxn(bt);
    if (t) out.push(t);
  }
  return out;
}

const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === "string" ? v : (v?.id ?? null));

/**
 * The charges that paid an invoice. Since API 2025-03-31 an invoice names no charge: its paid InvoicePayments
 * do (the charge, or the PaymentIntent whose latest charge it is).
 */
export async function chargesOfInvoice(stripe: Stripe, invoiceId: string): Promise<string[]> {
  const charges: string[] = [];
  for await (const p of stripe.invoicePayments.list({ invoice: invoiceId, status: "paid", limit: 100 })) {
    const charge = idOf(p.payment.charge);
    if (charge) {
      charges.push(charge);
      continue;
    }
    const pi = idOf(p.payment.payment_intent);
    if (!pi) continue;
    const latest = idOf((await stripe.paymentIntents.retrieve(pi)).latest_charge);
    if (latest) charges.push(latest);
  }
  return charges;
}

/** The invoice a charge paid, if any (its PaymentIntent's InvoicePayment); null for a charge Stripe cannot show. */
export async function invoiceOfCharge(stripe: Stripe, chargeId: string): Promise<string | null> {
  let charge: Stripe.Charge;
  try {
    charge = await stripe.charges.retrieve(chargeId);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "resource_missing") return null;
    throw err;
  }
  const pi = idOf(charge.payment_intent);
  if (!pi) return null;
  const page = await stripe.invoicePayments.list({ payment: { type: "payment_intent", payment_intent: pi }, limit: 1 });
  return idOf(page.data[0]?.invoice);
}
