import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { organizations } from "./auth";

/**
 * Money in through Stripe (DESIGN §6, STRIPE.md). Stripe ids are stored as Stripe spells them; amounts are
 * nano-USD like everywhere else (cents exist only in server/billing/stripe, at the API boundary).
 */

/** One Stripe customer per organization, created once (idempotency key `customer:<organizationId>`). */
export const stripeCustomers = pgTable("stripe_customers", {
  organizationId: text("organization_id")
    .primaryKey()
    .references(() => organizations.id),
  stripeCustomerId: text("stripe_customer_id").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const TOP_UP_KINDS = ["checkout", "auto"] as const;
export type TopUpKind = (typeof TOP_UP_KINDS)[number];
/** pending → paid (credited once) | failed | expired. `paid` is final; nothing leaves it. */
export const TOP_UP_STATUSES = ["pending", "paid", "failed", "expired"] as const;
export type TopUpStatus = (typeof TOP_UP_STATUSES)[number];

/** A prepaid top-up: a Checkout Session the buyer pays, or an off-session charge of a saved card (auto top-up). */
export const topUps = pgTable(
  "top_ups",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    kind: text("kind").$type<TopUpKind>().notNull(),
    amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
    status: text("status").$type<TopUpStatus>().notNull().default("pending"),
    stripeCheckoutSessionId: text("stripe_checkout_session_id").unique(),
    /** Where the buyer pays (Checkout's hosted page) while pending. */
    checkoutUrl: text("checkout_url"),
    stripePaymentIntentId: text("stripe_payment_intent_id").unique(),
    /** Auto top-up: the saved card this attempt charges, fixed when it starts so a retry sends the same parameters under its idempotency key. */
    stripePaymentMethodId: text("stripe_payment_method_id"),
    stripeChargeId: text("stripe_charge_id"),
    receiptUrl: text("receipt_url"),
    /** Why it failed, in words a buyer understands (decline message, expired, …). */
    failureReason: text("failure_reason"),
    /** The journal entry that credited it (idempotency key `top_up:<id>`). */
    journalEntryId: text("journal_entry_id"),
    createdByUserId: text("created_by_user_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    creditedAt: timestamp("credited_at", { withTimezone: true }),
  },
  (t) => [
    index("top_ups_org_created_idx").on(t.organizationId, t.createdAt),
    index("top_ups_charge_idx").on(t.stripeChargeId),
    // Auto top-up: one attempt at a time per organization.
    uniqueIndex("top_ups_one_pending_auto_uq").on(t.organizationId).where(sql`kind = 'auto' and status = 'pending'`),
  ],
);

/** Auto top-up: when available credit falls below the threshold, charge the saved card `amount_nanos`. */
export const autoTopUpSettings = pgTable("auto_top_up_settings", {
  organizationId: text("organization_id")
    .primaryKey()
    .references(() => organizations.id),
  enabled: boolean("enabled").notNull().default(false),
  thresholdNanos: bigint("threshold_nanos", { mode: "bigint" }).notNull(),
  amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
  /** Saved for off-session use by a paid Checkout (setup_future_usage); null until one is paid. */
  stripePaymentMethodId: text("stripe_payment_method_id"),
  /** Set when a decline or authentication_required turned auto top-up off; shown on the Billing page. */
  disabledReason: text("disabled_reason"),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const STRIPE_EVENT_STATUSES = ["received", "processed", "ignored", "failed"] as const;
export type StripeEventStatus = (typeof STRIPE_EVENT_STATUSES)[number];

/**
 * Every webhook event, stored before it is answered (unique by Stripe's event id, so a repeat is a no-op),
 * then processed by a job. `ignored`: no handler for the type; `failed`: retries ran out (operators see it).
 */
export const stripeEvents = pgTable(
  "stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    /** Connected account (Connect events), null for the platform's own. */
    account: text("account"),
    livemode: boolean("livemode").notNull(),
    apiVersion: text("api_version"),
    /** The event's `created` (whole seconds at Stripe). */
    stripeCreatedAt: timestamp("stripe_created_at", { withTimezone: true }).notNull(),
    /** `data.object.id`: the object handlers re-read. */
    objectId: text("object_id"),
    payload: jsonb("payload").notNull(),
    status: text("status").$type<StripeEventStatus>().notNull().default("received"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp("processed_at", { withTimezone: true }),
  },
  (t) => [index("stripe_events_status_idx").on(t.status, t.receivedAt), index("stripe_events_object_idx").on(t.objectId)],
);

export const PAYMENT_ADJUSTMENT_KINDS = ["refund", "dispute"] as const;
export type PaymentAdjustmentKind = (typeof PAYMENT_ADJUSTMENT_KINDS)[number];

/**
 * Refunds and disputes of a buyer's payment, as the Billing page lists them. The money moves in journal
 * entries keyed by the Stripe id (`refund:<re_…>`, `dispute:<dp_…>:withdrawn`, `…:reinstated`); this row is
 * the object's latest known state.
 */
export const paymentAdjustments = pgTable(
  "payment_adjustments",
  {
    /** The Stripe id (re_… or dp_…). */
    id: text("id").primaryKey(),
    kind: text("kind").$type<PaymentAdjustmentKind>().notNull(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    topUpId: text("top_up_id"),
    stripeChargeId: text("stripe_charge_id").notNull(),
    amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
    /** Stripe's status (refund: pending/succeeded/failed/canceled; dispute: needs_response/…/won/lost). */
    status: text("status").notNull(),
    reason: text("reason"),
    /** The Stripe object's `created`, and the latest event time applied (out-of-order updates lose). */
    stripeCreatedAt: timestamp("stripe_created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("payment_adjustments_org_idx").on(t.organizationId, t.stripeCreatedAt)],
);

export const BILLING_MODES = ["prepaid", "invoiced"] as const;
export type BillingMode = (typeof BILLING_MODES)[number];
export const BILLING_STANDINGS = ["good", "past_due"] as const;
export type BillingStanding = (typeof BILLING_STANDINGS)[number];

/** Organizations an operator marks as invoiced: postpaid usage against a credit limit, a monthly Stripe invoice. */
export const organizationBilling = pgTable("organization_billing", {
  organizationId: text("organization_id")
    .primaryKey()
    .references(() => organizations.id),
  mode: text("mode").$type<BillingMode>().notNull().default("prepaid"),
  /** How far below zero an invoiced organization's balance may go (nano-USD). */
  creditLimitNanos: bigint("credit_limit_nanos", { mode: "bigint" }).notNull().default(sql`0`),
  standing: text("standing").$type<BillingStanding>().notNull().default("good"),
  standingReason: text("standing_reason"),
  /** `created` of the invoice event that last set the standing (older events do not override it). */
  standingEventAt: timestamp("standing_event_at", { withTimezone: true }),
  stripeSubscriptionId: text("stripe_subscription_id").unique(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Stripe invoices of invoiced organizations, as last seen (Billing page; `invoice.paid` credits the balance once). */
export const stripeInvoices = pgTable(
  "stripe_invoices",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    status: text("status").notNull(),
    amountDueNanos: bigint("amount_due_nanos", { mode: "bigint" }).notNull(),
    amountPaidNanos: bigint("amount_paid_nanos", { mode: "bigint" }).notNull().default(sql`0`),
    /** Stripe tried to charge it (Stripe's `attempted`, never reset): attempted and still open = a failed payment, past due. */
    attempted: boolean("attempted").notNull().default(false),
    periodStart: timestamp("period_start", { withTimezone: true }),
    periodEnd: timestamp("period_end", { withTimezone: true }),
    hostedInvoiceUrl: text("hosted_invoice_url"),
    stripeCreatedAt: timestamp("stripe_created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("stripe_invoices_org_idx").on(t.organizationId, t.stripeCreatedAt)],
);

export const METER_OUTBOX_STATUSES = ["open", "sending", "delivered", "stuck"] as const;
export type MeterOutboxStatus = (typeof METER_OUTBOX_STATUSES)[number];

/**
 * Usage owed to Stripe's Billing Meter, written in the settlement transaction: one open row per organization
 * and UTC hour accumulates cost; the push worker closes it (`sending`), pushes it with its `identifier`, and
 * marks it `delivered`. Usage settled into an hour whose row is already closed opens a new row (next `seq`).
 * A row still `sending` past Stripe's 24 h dedupe window is `stuck` for an operator: never pushed twice.
 */
export const meterOutbox = pgTable(
  "meter_outbox",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    hourStart: timestamp("hour_start", { withTimezone: true }).notNull(),
    seq: integer("seq").notNull().default(0),
    valueNanos: bigint("value_nanos", { mode: "bigint" }).notNull(),
    /** Deterministic: `<organizationId>:<hour ISO>:<seq>`. */
    identifier: text("identifier").notNull().unique(),
    status: text("status").$type<MeterOutboxStatus>().notNull().default("open"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    firstSentAt: timestamp("first_sent_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("meter_outbox_open_uq").on(t.organizationId, t.hourStart).where(sql`status = 'open'`),
    uniqueIndex("meter_outbox_seq_uq").on(t.organizationId, t.hourStart, t.seq),
    index("meter_outbox_status_idx").on(t.status, t.hourStart),
  ],
);
