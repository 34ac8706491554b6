import type { StripeBilling } from "../stripe/client";

export type CardDetails = { brand: string; last4: string };

/**
 * A saved card's brand and last four digits, read from Stripe once per payment method and process: a
 * PaymentMethod's card never changes, and the Billing page asks for it on every refresh. A failed read is
 * not cached (the page shows no card details until Stripe answers).
 */
const cache = new Map<string, CardDetails | null>();
const MAX_CACHED = 10_000;

export async function savedCardDetails(stripe: StripeBilling, paymentMethodId: string): Promise<CardDetails | null> {
  if (cache.has(paymentMethodId)) return cache.get(paymentMethodId)!;
  let details: CardDetails | null;
  try {
    const pm = await stripe.client.paymentMethods.retrieve(paymentMethodId);
    details = pm.card ? { brand: pm.card.brand, last4: pm.card.last4 } : null;
  } catch {
    return null;
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(paymentMethodId, details);
  return details;
}
