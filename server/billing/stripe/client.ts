import Stripe from "stripe";
import { nanosToCents, usdToNanos } from "../../../lib/money";
import type { Env } from "../../env";
import { ServiceError } from "../../errors";

/**
 * The one place the Stripe API version is pinned: the SDK's own (stripe@23 → 2026-10-28.endive), so its types
 * describe exactly the objects we get. Webhook endpoints must be created with the same version
 * (README "Payments"): an endpoint without one receives the account's default, older shapes.
 */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

/** Stripe as the rest of the server sees it: the client and the settings that go with it. */
export type StripeBilling = {
  client: Stripe;
  webhook_secret: string;
  /** The Connect endpoint's secret, when connected accounts' events come to a second endpoint; null = one secret. */
  connect_webhook_secret: string | null;
  /** The Billing Meter event name invoiced usage is pushed under (value: nano-USD). */
  meter_event_name: string;
  /** Metered price for invoiced organizations' subscriptions; null = invoicing cannot be switched on. */
  metered_price_id: string | null;
  top_up_min_nanos: bigint;
  top_up_max_nanos: bigint;
};

/** `new Stripe(...)` pointed at api.stripe.com, or at STRIPE_API_BASE (the in-repo fake) for every endpoint. */
export function createStripeClient(secretKey: string, apiBase?: string): Stripe {
  const base = apiBase ? new URL(apiBase) : null;
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    // Retries are ours (job queue, outbox): the SDK's own would retry with a new idempotency key on some paths.
    maxNetworkRetries: 0,
    timeout: 20_000,
    telemetry: false,
    ...(base ? { host: base.hostname, port: base.port || (base.protocol === "https:" ? 443 : 80), protocol: base.protocol === "https:" ? ("https" as const) : ("http" as const) } : {}),
  });
}

/** Null when STRIPE_SECRET_KEY is unset: the embedded default, with its clearly labelled local test balance. */
export function stripeBillingFromEnv(env: Env): StripeBilling | null {
  if (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET) return null;
  return {
    client: createStripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE),
    webhook_secret: env.STRIPE_WEBHOOK_SECRET,
    connect_webhook_secret: env.STRIPE_CONNECT_WEBHOOK_SECRET ?? null,
    meter_event_name: env.STRIPE_METER_EVENT_NAME,
    metered_price_id: env.STRIPE_METERED_PRICE_ID ?? null,
    top_up_min_nanos: usdToNanos(env.TOP_UP_MIN_USD),
    top_up_max_nanos: usdToNanos(env.TOP_UP_MAX_USD),
  };
}

/** Narrows a context to one with Stripe, or refuses: money actions need Stripe configured. */
export function requireStripe<C extends { stripe?: StripeBilling | null }>(ctx: C): C & { stripe: StripeBilling } {
  if (!ctx.stripe) throw new ServiceError("forbidden", "Payments are not configured on this marketplace (STRIPE_SECRET_KEY is unset): it runs on a local test balance.");
  return ctx as C & { stripe: StripeBilling };
}

/** An amount as Stripe's API takes it (whole cents, a JS number): every amount we send goes through here. */
export function stripeAmountCents(amount_nanos: bigint): number {
  const cents = nanosToCents(amount_nanos);
  if (cents < 0n || cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`not a Stripe amount: ${amount_nanos} nanos`);
  return Number(cents);
}
