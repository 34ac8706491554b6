/**
 * A faithful in-repo fake of the Stripe endpoints Spotlane calls (STRIPE.md "Testing without Stripe"), driven
 * by the real `stripe` SDK: form-encoded requests, Stripe's JSON and errors, Idempotency-Key replay, `expand[]`,
 * a hosted Checkout page, and signed webhook delivery with knobs that break naive integrations.
 *
 *   const fake = await startFakeStripe();
 *   const mp = await startTestMarketplace(kind, { env: fake.env() });
 *   fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
 */
import type { AddressInfo } from "node:net";
import { randomInt } from "node:crypto";
import Stripe from "stripe";
import { createStore, type PaymentMethodBehaviour, type Store } from "./store";
import { createPrng } from "./prng";
import { createFakeServer, type FailureMode, type FailureRule } from "./server";
import { WebhookDispatcher, type DeliveryKnobs, type DeliveryRecord } from "./webhooks";
import { customerRoutes } from "./customers";
import { paymentMethodRoutes, createPaymentMethod } from "./payment-methods";
import { chargeRoutes } from "./charges";
import { paymentIntentRoutes } from "./payment-intents";
import { priceRoutes } from "./prices";
import { checkoutRoutes } from "./checkout";
import { payCheckout, settleAsyncPayment, expireCheckout, type CheckoutMethod } from "./checkout-pay";
import { invoiceRoutes } from "./invoices";
import { eventRoutes } from "./events";
import { refundRoutes, createRefund, failRefund } from "./refunds";
import { disputeRoutes, openDispute, closeDispute } from "./disputes";
import { meterRoutes, createDefaultMeter } from "./billing";
import { subscriptionRoutes, invoiceSubscription, payInvoice } from "./subscriptions";

export type { DeliveryKnobs, DeliveryRecord, PaymentMethodBehaviour, CheckoutMethod };

export type StartFakeStripeOptions = {
  port?: number;
  secretKey?: string;
  webhookSecret?: string;
  webhookUrl?: string;
  /** PRNG seed for ids and shuffles (default: random, reported as `fake.seed` so a failing order can be replayed). */
  seed?: number;
  /** Milliseconds since the epoch (default Date.now); Stripe timestamps derive from it. */
  clock?: () => number;
  delivery?: Partial<DeliveryKnobs>;
};

export type FakeStripe = {
  apiBase: string;
  secretKey: string;
  webhookSecret: string;
  meteredPriceId: string;
  /** Extra: the meter the metered price bills (event_name "spotlane_usage_nanos"). */
  meterId: string;
  seed: number;
  env(): Record<string, string>;
  client(): Stripe;
  setWebhookUrl(url: string | null): void;
  delivery: DeliveryKnobs;
  flushWebhooks(): Promise<void>;
  resend(eventId: string): Promise<number>;
  events(): Stripe.Event[];
  deliveries(): DeliveryRecord[];
  payCheckout(sessionId: string, method?: CheckoutMethod): Promise<{ redirect_url: string | null; error: string | null }>;
  settleAsyncPayment(sessionId: string, outcome: "succeeded" | "failed"): Promise<void>;
  expireCheckout(sessionId: string): Promise<void>;
  setPaymentMethodBehaviour(paymentMethodId: string, b: PaymentMethodBehaviour): void;
  /** Extra: a card PaymentMethod attached to `customerId` (what a saved card from Checkout looks like). */
  addPaymentMethod(customerId: string, behaviour?: PaymentMethodBehaviour): Promise<Stripe.PaymentMethod>;
  refund(chargeId: string, amount_cents?: number): Promise<Stripe.Refund>;
  failRefund(refundId: string): Promise<void>;
  openDispute(chargeId: string, amount_cents?: number): Promise<Stripe.Dispute>;
  closeDispute(disputeId: string, outcome: "won" | "lost"): Promise<void>;
  meterEvents(): Stripe.Billing.MeterEvent[];
  invoiceSubscription(subscriptionId: string, outcome: "paid" | "payment_failed"): Promise<Stripe.Invoice>;
  /** Extra: Stripe's retry of an open (failed) invoice. */
  payInvoice(invoiceId: string, outcome?: "paid" | "payment_failed"): Promise<Stripe.Invoice>;
  /** The next `n` API requests matching answer 500 / 429 / reset the connection (`reset_after`: after executing). */
  failNext(match: { method?: string; path: RegExp }, n: number, how: FailureMode): void;
  close(): Promise<void>;
};

export async function startFakeStripe(opts: StartFakeStripeOptions = {}): Promise<FakeStripe> {
  const seed = opts.seed ?? randomInt(1, 2 ** 31);
  const rng = createPrng(seed);
  const secretKey = opts.secretKey ?? `sk_test_fake${seed.toString(36)}`;
  const webhookSecret = opts.webhookSecret ?? `whsec_fake${seed.toString(36)}`;
  const store: Store = createStore({ apiBase: "", secretKey, webhookSecret, rng, clock: opts.clock ?? Date.now });
  const dispatcher = new WebhookDispatcher(webhookSecret, rng, opts.webhookUrl ?? null, opts.delivery);
  store.onEvent = (event) => {
    store.events.push(event);
    dispatcher.enqueue(event);
  };
  const failures: FailureRule[] = [];
  const routes = [...customerRoutes, ...paymentMethodRoutes, ...chargeRoutes, ...paymentIntentRoutes, ...priceRoutes, ...checkoutRoutes, ...invoiceRoutes, ...eventRoutes, ...refundRoutes, ...disputeRoutes, ...meterRoutes, ...subscriptionRoutes];
  const server = createFakeServer(store, routes, failures);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const apiBase = `http://127.0.0.1:${port}`;
  store.apiBase = apiBase;
  const { meter, price } = createDefaultMeter(store);

  // Dashboard / customer actions run between API requests, never inside one; async for the contract's sake.
  const act = async <T>(fn: () => T): Promise<T> => fn();

  return {
    apiBase,
    secretKey,
    webhookSecret,
    meteredPriceId: price.id,
    meterId: meter.id,
    seed,
    env: () => ({ STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: apiBase, STRIPE_METERED_PRICE_ID: price.id }),
    client: () => new Stripe(secretKey, { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0, telemetry: false }),
    setWebhookUrl: (url) => dispatcher.setUrl(url),
    delivery: dispatcher.knobs,
    flushWebhooks: () => dispatcher.flush(),
    resend: (eventId) => {
      const event = store.events.find((e) => e.id === eventId);
      if (!event) throw new Error(`fake-stripe: no such event ${eventId}`);
      return dispatcher.resend(event);
    },
    events: () => [...store.events],
    deliveries: () => [...dispatcher.log],
    payCheckout: (sessionId, method) => act(() => payCheckout(store, sessionId, method)),
    settleAsyncPayment: (sessionId, outcome) => act(() => settleAsyncPayment(store, sessionId, outcome)),
    expireCheckout: (sessionId) => act(() => expireCheckout(store, sessionId)),
    setPaymentMethodBehaviour: (id, b) => {
      if (!store.paymentMethods.has(id)) throw new Error(`fake-stripe: no such PaymentMethod ${id}`);
      store.paymentMethodBehaviour.set(id, b);
    },
    addPaymentMethod: (customerId, behaviour = "succeed") =>
      act(() => {
        const customer = store.customers.get(customerId);
        if (!customer) throw new Error(`fake-stripe: no such customer ${customerId}`);
        const pm = createPaymentMethod(store, { kind: "card", last4: "4242", behaviour, email: customer.email });
        pm.customer = customer.id;
        return pm;
      }),
    refund: (chargeId, amount) => act(() => createRefund(store, { charge: chargeId, amount })),
    failRefund: (refundId) => act(() => failRefund(store, refundId)),
    openDispute: (chargeId, amount) => act(() => openDispute(store, chargeId, amount)),
    closeDispute: (disputeId, outcome) => act(() => closeDispute(store, disputeId, outcome)),
    meterEvents: () => [...store.meterEvents],
    invoiceSubscription: (subscriptionId, outcome) => act(() => invoiceSubscription(store, subscriptionId, outcome)),
    payInvoice: (invoiceId, outcome = "paid") => act(() => payInvoice(store, invoiceId, outcome)),
    failNext: (match, n, how) => {
      failures.push({ method: match.method, path: match.path, remaining: n, how });
    },
    close: async () => {
      dispatcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
