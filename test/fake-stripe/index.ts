/**
 * A faithful in-repo fake of the Stripe endpoints Spotlane calls (STRIPE.md "Testing without Stripe"), driven
 * by the real `stripe` SDK: form-encoded requests, Stripe's JSON and errors, Idempotency-Key replay, `expand[]`,
 * a hosted Checkout page, and signed webhook delivery with knobs that break naive integrations. Connect: connected
 * accounts, account links and the hosted onboarding page, Express login links, the Stripe-Account header,
 * transfers and reversals, balances, connected accounts' bank payouts, and their events (`event.account` set).
 * Finance: balance transactions listed by `created[gte|lt]`, invoice payments (`/v1/invoice_payments`), and knobs
 * that plant, alter or forget balance transactions so a reconciliation has something to find.
 *
 *   const fake = await startFakeStripe();
 *   const mp = await startTestMarketplace(kind, { env: fake.env() });
 *   fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
 */
import type { AddressInfo } from "node:net";
import { randomInt } from "node:crypto";
import Stripe from "stripe";
import { createStore, snapshot, type ConnectPayoutMode, type PaymentMethodBehaviour, type Store } from "./store";
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
import { accountRoutes, completeOnboarding, requireMore, deauthorize } from "./accounts";
import { accountLinkRoutes } from "./account-links";
import { transferRoutes, reverseTransferByHand } from "./transfers";
import { connectPayoutRoutes, settlePayout } from "./connect-payouts";
import { balanceRoutes, addPlatformFunds, availableCents, plantBalanceTransaction, alterBalanceTransaction, forgetBalanceTransaction, type PlantedBalanceTransaction } from "./balance";

export type { DeliveryKnobs, DeliveryRecord, PaymentMethodBehaviour, CheckoutMethod, ConnectPayoutMode, PlantedBalanceTransaction };

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
  /** Signs connected accounts' events (a separate Connect endpoint's secret); default: the platform's webhookSecret. */
  connectWebhookSecret?: string;
  /** Cents made available on the platform at start (as `addPlatformFunds`); default 0: transfers need charges or funds. */
  platformFundsCents?: number;
  /** Initial `connectPayouts` (default "paid"). */
  connectPayouts?: ConnectPayoutMode;
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
  // Connect.
  /** What connected accounts' events are signed with (= webhookSecret unless connectWebhookSecret was given). */
  connectWebhookSecret: string;
  /** Every connected account, as Stripe holds it now (copies). */
  accounts(): Stripe.Account[];
  /** The provider submits onboarding (what the hosted page's buttons do): enabled; `tax: false` leaves the SSN eventually due. Emits account.updated. */
  completeOnboarding(accountId: string, opts?: { tax?: boolean }): Promise<Stripe.Account>;
  /** Stripe asks for more: currently_due = fields (deadline in 14 days); `disable`: past due, payouts and transfers off. Emits account.updated. */
  requireMore(accountId: string, fields: string[], opts?: { disable?: boolean }): Promise<Stripe.Account>;
  /** Extra: the provider disconnects the platform: account.application.deauthorized; its requests answer 403 from then on. */
  deauthorize(accountId: string): Promise<void>;
  /** Every transfer (copies, reversals included). */
  transfers(): Stripe.Transfer[];
  /** A reversal made in Stripe's Dashboard (default: all that is left); refused (throws) past what is left or the account holds. */
  reverseTransfer(transferId: string, amount_cents?: number): Promise<Stripe.TransferReversal>;
  /** What a connected account's new bank payout does next: "paid" (default) | "failed" | "manual" (until settlePayout). Read at creation. */
  connectPayouts: ConnectPayoutMode;
  /** The bank's answer for a pending / in-transit payout (the "manual" mode). */
  settlePayout(payoutId: string, outcome: "paid" | "failed"): Promise<Stripe.Payout>;
  /** Extra: every connected account's bank payouts (copies). */
  payouts(): Stripe.Payout[];
  /** A connected account's available balance, cents. */
  connectedBalance(accountId: string): number;
  /** The platform's available balance, cents (charges net of fees − refunds − disputes − transfers + reversals + funds). */
  platformBalance(): number;
  /** Makes `cents` available on the platform at once (a top-up; like test card 4000000000000077). */
  addPlatformFunds(cents: number): void;
  // Reconciliation: make Stripe's balance transactions disagree with a ledger, as the real thing can.
  /** Every balance transaction, the platform's and connected accounts' (copies). */
  balanceTransactions(): Stripe.BalanceTransaction[];
  /** A platform balance transaction the ledger never heard of (a Dashboard charge, a lost webhook); cents, Stripe's sign. */
  plantBalanceTransaction(input: PlantedBalanceTransaction): Stripe.BalanceTransaction;
  /** Stripe's amount or fee of a balance transaction changes after the fact (net and fee_details follow). */
  alterBalanceTransaction(id: string, change: { amount?: number; fee?: number }): Stripe.BalanceTransaction;
  /** Stripe no longer has the balance transaction (money the ledger booked that Stripe never moved). */
  forgetBalanceTransaction(id: string): void;
  close(): Promise<void>;
};

export async function startFakeStripe(opts: StartFakeStripeOptions = {}): Promise<FakeStripe> {
  const seed = opts.seed ?? randomInt(1, 2 ** 31);
  const rng = createPrng(seed);
  const secretKey = opts.secretKey ?? `sk_test_fake${seed.toString(36)}`;
  const webhookSecret = opts.webhookSecret ?? `whsec_fake${seed.toString(36)}`;
  const connectWebhookSecret = opts.connectWebhookSecret ?? webhookSecret;
  const store: Store = createStore({ apiBase: "", secretKey, webhookSecret, rng, clock: opts.clock ?? Date.now });
  const dispatcher = new WebhookDispatcher(webhookSecret, rng, opts.webhookUrl ?? null, opts.delivery, connectWebhookSecret);
  // Stripe's asynchronous side (a bank payout moving on): after the request answered; flushWebhooks waits for it.
  const later = new Set<NodeJS.Immediate>();
  store.later = (fn) => {
    const handle = setImmediate(() => {
      later.delete(handle);
      fn();
    });
    later.add(handle);
  };
  store.connectPayouts = opts.connectPayouts ?? "paid";
  store.onEvent = (event) => {
    store.events.push(event);
    dispatcher.enqueue(event);
  };
  const failures: FailureRule[] = [];
  const routes = [...customerRoutes, ...paymentMethodRoutes, ...chargeRoutes, ...paymentIntentRoutes, ...priceRoutes, ...checkoutRoutes, ...invoiceRoutes, ...eventRoutes, ...refundRoutes, ...disputeRoutes, ...meterRoutes, ...subscriptionRoutes, ...accountRoutes, ...accountLinkRoutes, ...transferRoutes, ...connectPayoutRoutes, ...balanceRoutes];
  const server = createFakeServer(store, routes, failures);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const apiBase = `http://127.0.0.1:${port}`;
  store.apiBase = apiBase;
  const { meter, price } = createDefaultMeter(store);
  if (opts.platformFundsCents) addPlatformFunds(store, opts.platformFundsCents);

  // Dashboard / customer actions run between API requests, never inside one; async for the contract's sake.
  const act = async <T>(fn: () => T): Promise<T> => fn();

  return {
    apiBase,
    secretKey,
    webhookSecret,
    meteredPriceId: price.id,
    meterId: meter.id,
    seed,
    env: () => ({
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_BASE: apiBase,
      STRIPE_METERED_PRICE_ID: price.id,
      ...(connectWebhookSecret !== webhookSecret ? { STRIPE_CONNECT_WEBHOOK_SECRET: connectWebhookSecret } : {}),
    }),
    client: () => new Stripe(secretKey, { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0, telemetry: false }),
    setWebhookUrl: (url) => dispatcher.setUrl(url),
    delivery: dispatcher.knobs,
    flushWebhooks: async () => {
      // Bank payouts still moving on would emit more events: let them land first.
      while (later.size > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      await dispatcher.flush();
    },
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
    connectWebhookSecret,
    accounts: () => [...store.accounts.values()].map((a) => snapshot(a)),
    completeOnboarding: (accountId, o) => act(() => completeOnboarding(store, accountId, o)),
    requireMore: (accountId, fields, o) => act(() => requireMore(store, accountId, fields, o)),
    deauthorize: (accountId) => act(() => deauthorize(store, accountId)),
    transfers: () => [...store.transfers.values()].map((t) => snapshot(t)),
    reverseTransfer: (transferId, amount) => act(() => reverseTransferByHand(store, transferId, amount)),
    get connectPayouts() {
      return store.connectPayouts;
    },
    set connectPayouts(mode: ConnectPayoutMode) {
      if (mode !== "paid" && mode !== "failed" && mode !== "manual") throw new Error(`fake-stripe: connectPayouts must be paid, failed or manual, got ${String(mode)}`);
      store.connectPayouts = mode;
    },
    settlePayout: (payoutId, outcome) => act(() => settlePayout(store, payoutId, outcome)),
    payouts: () => [...store.payouts.values()].map((p) => snapshot(p)),
    connectedBalance: (accountId) => {
      if (!store.accounts.has(accountId)) throw new Error(`fake-stripe: no such account ${accountId}`);
      return availableCents(store, accountId);
    },
    platformBalance: () => availableCents(store, null),
    addPlatformFunds: (cents) => {
      addPlatformFunds(store, cents);
    },
    balanceTransactions: () => [...store.balanceTransactions.values()].map((bt) => snapshot(bt)),
    plantBalanceTransaction: (input) => snapshot(plantBalanceTransaction(store, input)),
    alterBalanceTransaction: (id, change) => snapshot(alterBalanceTransaction(store, id, change)),
    forgetBalanceTransaction: (id) => forgetBalanceTransaction(store, id),
    close: async () => {
      for (const handle of later) clearImmediate(handle);
      later.clear();
      dispatcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
