import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { organizations } from "./auth";

/**
 * Money out to providers through Stripe Connect (DESIGN §6, STRIPE.md "Providers: Connect"; the money rules:
 * server/billing/payouts/README.md). Amounts are nano-USD; Stripe ids as Stripe spells them.
 */

/** What Stripe still needs from a connected account (`account.requirements`), as we last read it. */
export type ConnectRequirements = {
  currently_due: string[];
  eventually_due: string[];
  past_due: string[];
  pending_verification: string[];
  disabled_reason: string | null;
  /** Unix seconds, Stripe's. */
  current_deadline: number | null;
  errors: { requirement: string; code: string; reason: string }[];
};

/**
 * One Stripe connected account per provider organization (Express dashboard, platform pays fees and bears
 * losses, manual payout schedule), created once with idempotency key `connect_account:<organizationId>`.
 * The status columns are a cache of Stripe's account object, written only by syncConnectedAccount from a
 * fresh retrieve, and only when that read is newer than the one stored (`stripe_read_at`): events about an
 * account can arrive in any order, a re-read cannot go back in time.
 */
export const connectedAccounts = pgTable("connected_accounts", {
  organizationId: text("organization_id")
    .primaryKey()
    .references(() => organizations.id),
  stripeAccountId: text("stripe_account_id").notNull().unique(),
  detailsSubmitted: boolean("details_submitted").notNull().default(false),
  payoutsEnabled: boolean("payouts_enabled").notNull().default(false),
  /** The `transfers` capability's status: active | inactive | pending | unrequested. Transfers need `active`. */
  transfersCapability: text("transfers_capability").notNull().default("inactive"),
  requirements: jsonb("requirements").$type<ConnectRequirements>(),
  /** When Stripe's account object stored here was read from Stripe (the ordering fence). */
  stripeReadAt: timestamp("stripe_read_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const PAYOUT_TRIGGERS = ["scheduled", "early", "operator"] as const;
export type PayoutTrigger = (typeof PAYOUT_TRIGGERS)[number];

/**
 * pending (claimed: the amount moved payable → in transit; the transfer is being made)
 *   → transferred (the transfer exists: the money is in the provider's Stripe balance; their bank payout is on its way)
 *   → paid (the bank payout arrived)
 * pending → failed (Stripe refused the transfer: the amount went back to payable).
 * transferred | paid → reversed (the whole transfer was reversed; partial reversals keep the status and grow
 * `amount_reversed_nanos`).
 */
export const PAYOUT_STATUSES = ["pending", "transferred", "paid", "failed", "reversed"] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** The connected account's own payout to the provider's bank (Stripe's payout object, manual schedule). */
export const BANK_PAYOUT_STATUSES = ["pending", "in_transit", "paid", "failed", "canceled"] as const;
export type BankPayoutStatus = (typeof BANK_PAYOUT_STATUSES)[number];

/** One payout to one provider: one Stripe transfer (idempotency key `payout:<id>:transfer`, transfer group = id). */
export const payouts = pgTable(
  "payouts",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    stripeAccountId: text("stripe_account_id").notNull(),
    /** The scheduled or operator run that created it; null for a provider's early payout. */
    runId: text("run_id"),
    trigger: text("trigger").$type<PayoutTrigger>().notNull(),
    /** Whole cents (Stripe moves cents); what was payable below a cent stays payable. */
    amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
    status: text("status").$type<PayoutStatus>().notNull().default("pending"),
    stripeTransferId: text("stripe_transfer_id").unique(),
    amountReversedNanos: bigint("amount_reversed_nanos", { mode: "bigint" }).notNull().default(sql`0`),
    /** Transfer attempts made (a retry after the first looks the transfer up by transfer group before sending). */
    attempts: integer("attempts").notNull().default(0),
    /** Why the transfer failed, in words a provider understands. */
    failureReason: text("failure_reason"),
    bankPayoutId: text("bank_payout_id").unique(),
    bankStatus: text("bank_status").$type<BankPayoutStatus>(),
    /** Bank payouts asked for (a failed one is asked for again, under a new key, by the next run). */
    bankAttempts: integer("bank_attempts").notNull().default(0),
    bankFailureMessage: text("bank_failure_message"),
    /** When Stripe expects the bank payout to arrive. */
    bankArrivalAt: timestamp("bank_arrival_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    transferredAt: timestamp("transferred_at", { withTimezone: true }),
    paidAt: timestamp("paid_at", { withTimezone: true }),
  },
  (t) => [
    index("payouts_org_created_idx").on(t.organizationId, t.createdAt),
    // One transfer in the making per provider: a second claim (a concurrent run, an early request) waits its turn.
    uniqueIndex("payouts_one_pending_uq").on(t.organizationId).where(sql`status = 'pending'`),
    // A run pays each provider at most once, even when it is re-run after a crash.
    uniqueIndex("payouts_run_org_uq").on(t.runId, t.organizationId),
  ],
);

export const PAYOUT_RUN_TRIGGERS = ["schedule", "operator"] as const;
export type PayoutRunTrigger = (typeof PAYOUT_RUN_TRIGGERS)[number];

/** A payout run: the leader's scheduled one (PAYOUT_RUN_INTERVAL_HOURS after the last) or an operator's. */
export const payoutRuns = pgTable(
  "payout_runs",
  {
    id: text("id").primaryKey(),
    trigger: text("trigger").$type<PayoutRunTrigger>().notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    payoutsCreated: integer("payouts_created").notNull().default(0),
    totalNanos: bigint("total_nanos", { mode: "bigint" }).notNull().default(sql`0`),
    startedByUserId: text("started_by_user_id"),
  },
  (t) => [index("payout_runs_started_idx").on(t.startedAt)],
);
