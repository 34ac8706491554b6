/**
 * The fake's whole state: one in-memory platform account and its connected accounts. Every object is stored typed with the SDK's own types, so a
 * field Stripe adds or renames in a new API version is a compile error here, not a silent drift.
 */
import type Stripe from "stripe";
import { makeId, type Prng } from "./prng";

export type PaymentMethodBehaviour = "succeed" | "card_declined" | "authentication_required";

/** The API request being served (null: a dashboard / customer action), for events' `request`. */
export type RequestMeta = { id: string; idempotency_key: string | null };

/** What happens to a connected account's bank payout after it is created (`fake.connectPayouts`). */
export type ConnectPayoutMode = "paid" | "failed" | "manual";

/**
 * One account link (Stripe keeps the URL's state server-side): single use, and expires after 300 s. `visited`:
 * the onboarding page was opened (a second GET of the same URL is refused); `done`: submitted or cancelled.
 */
export type AccountLinkState = {
  token: string;
  account: string;
  type: "account_onboarding" | "account_update";
  refresh_url: string;
  return_url: string;
  created: number;
  expires_at: number;
  state: "new" | "visited" | "done";
};

export type SessionPaymentData = { metadata: Record<string, string>; setup_future_usage: "off_session" | "on_session" | null; description: string | null };

export type EventOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>;

export type Store = {
  apiBase: string;
  secretKey: string;
  webhookSecret: string;
  rng: Prng;
  /** Unix seconds (Stripe's timestamps are whole seconds). */
  now(): number;
  id(prefix: string): string;
  customers: Map<string, Stripe.Customer>;
  paymentMethods: Map<string, Stripe.PaymentMethod>;
  paymentMethodBehaviour: Map<string, PaymentMethodBehaviour>;
  sessions: Map<string, Stripe.Checkout.Session>;
  sessionLineItems: Map<string, Stripe.LineItem[]>;
  /** What a session's PaymentIntent will carry once paid (`payment_intent_data`; Stripe keeps it off the session). */
  sessionPaymentData: Map<string, SessionPaymentData>;
  paymentIntents: Map<string, Stripe.PaymentIntent>;
  charges: Map<string, Stripe.Charge>;
  refunds: Map<string, Stripe.Refund>;
  disputes: Map<string, Stripe.Dispute>;
  balanceTransactions: Map<string, Stripe.BalanceTransaction>;
  products: Map<string, Stripe.Product>;
  prices: Map<string, Stripe.Price>;
  meters: Map<string, Stripe.Billing.Meter>;
  /** Accepted meter events in arrival order (duplicates by identifier refused). */
  meterEvents: Stripe.Billing.MeterEvent[];
  subscriptions: Map<string, Stripe.Subscription>;
  /** How many of `meterEvents` each subscription's invoices already billed (index into the array). */
  subscriptionBilledThrough: Map<string, number>;
  invoices: Map<string, Stripe.Invoice>;
  /** How each paid invoice was paid (inpay_…): the PaymentIntent and charge that carried the money. */
  invoicePayments: Map<string, Stripe.InvoicePayment>;
  /** Connect: connected accounts (acct_…) and their onboarding links by URL token. */
  accounts: Map<string, Stripe.Account>;
  accountLinks: Map<string, AccountLinkState>;
  /** Accounts that disconnected the platform: requests on their behalf are refused from then on (403). */
  deauthorized: Set<string>;
  transfers: Map<string, Stripe.Transfer>;
  transferReversals: Map<string, Stripe.TransferReversal>;
  /** Connected accounts' bank payouts (po_…), each owned by `payoutAccount`. */
  payouts: Map<string, Stripe.Payout>;
  payoutAccount: Map<string, string>;
  /** The connected account a balance transaction belongs to; absent: the platform's. */
  balanceTransactionAccount: Map<string, string>;
  connectPayouts: ConnectPayoutMode;
  /**
   * Runs `fn` after the current request has answered (Stripe's asynchronous side: a bank payout moving on).
   * Set by index.ts, which tracks them so flushWebhooks() waits for them and close() cancels them.
   */
  later: (fn: () => void) => void;
  events: Stripe.Event[];
  request: RequestMeta | null;
  /** Set by the webhook dispatcher: records the event and queues its delivery. */
  onEvent: (event: Stripe.Event) => void;
};

export function createStore(opts: { apiBase: string; secretKey: string; webhookSecret: string; rng: Prng; clock: () => number }): Store {
  return {
    apiBase: opts.apiBase,
    secretKey: opts.secretKey,
    webhookSecret: opts.webhookSecret,
    rng: opts.rng,
    now: () => Math.floor(opts.clock() / 1000),
    id: (prefix) => makeId(opts.rng, prefix),
    customers: new Map(),
    paymentMethods: new Map(),
    paymentMethodBehaviour: new Map(),
    sessions: new Map(),
    sessionLineItems: new Map(),
    sessionPaymentData: new Map(),
    paymentIntents: new Map(),
    charges: new Map(),
    refunds: new Map(),
    disputes: new Map(),
    balanceTransactions: new Map(),
    products: new Map(),
    prices: new Map(),
    meters: new Map(),
    meterEvents: [],
    subscriptions: new Map(),
    subscriptionBilledThrough: new Map(),
    invoices: new Map(),
    invoicePayments: new Map(),
    accounts: new Map(),
    accountLinks: new Map(),
    deauthorized: new Set(),
    transfers: new Map(),
    transferReversals: new Map(),
    payouts: new Map(),
    payoutAccount: new Map(),
    balanceTransactionAccount: new Map(),
    connectPayouts: "paid",
    later: (fn) => setImmediate(fn),
    events: [],
    request: null,
    onEvent: () => {},
  };
}

/** A deep copy as it would travel over the wire (Stripe.Decimal → string, no shared references). */
export function snapshot<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Any stored object by id, for `expand[]` (the id prefix says which collection). */
export function findById(store: Store, id: string): object | undefined {
  const collections: Map<string, object>[] = [
    store.customers,
    store.paymentMethods,
    store.sessions,
    store.paymentIntents,
    store.charges,
    store.refunds,
    store.disputes,
    store.balanceTransactions,
    store.products,
    store.prices,
    store.meters,
    store.subscriptions,
    store.invoices,
    store.invoicePayments,
    store.accounts,
    store.transfers,
    store.transferReversals,
    store.payouts,
  ];
  for (const c of collections) {
    const found = c.get(id);
    if (found) return found;
  }
  return undefined;
}

/**
 * Records a Stripe.Event of `type` with a snapshot of `object`; typed so an object of the wrong kind won't compile.
 * `account`: a connected account's event (Connect): Stripe sets `event.account` and sends it to Connect endpoints.
 */
export function emit<T extends Stripe.Event.Type>(
  store: Store,
  type: T,
  object: EventOf<T>["data"]["object"],
  previousAttributes?: Record<string, unknown>,
  account?: string,
): EventOf<T> {
  const event = {
    id: store.id("evt"),
    object: "event",
    ...(account ? { account } : {}),
    api_version: API_VERSION,
    created: store.now(),
    data: { object: snapshot(object), ...(previousAttributes ? { previous_attributes: snapshot(previousAttributes) } : {}) },
    livemode: false,
    pending_webhooks: 0,
    request: store.request ? { ...store.request } : { id: null, idempotency_key: null },
    type,
  } as unknown as EventOf<T>;
  store.onEvent(event);
  return event;
}

// Stripe.API_VERSION without a runtime import cycle: the SDK's pinned version, checked by the tests.
export const API_VERSION = "2026-10-28.endive" satisfies typeof Stripe.API_VERSION;
