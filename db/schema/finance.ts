import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * Finance (DESIGN §6, README "Finance"; the rules: server/finance/README.md): closed accounting periods,
 * reconciliation against Stripe, and the audit log of finance actions. Amounts are nano-USD.
 */

/**
 * A closed accounting period `[period_start, period_end)` (UTC calendar months by default). Closes are
 * contiguous and final: the database refuses any journal entry or ledger line dated before the latest
 * `period_end` (trigger `ledger_refuse_closed_period`, migration 0009), and refuses changing or deleting a
 * period row. Late events post at the open period's start with `journal_entries.occurred_at` set.
 */
export const accountingPeriods = pgTable("accounting_periods", {
  periodStart: timestamp("period_start", { withTimezone: true }).primaryKey(),
  periodEnd: timestamp("period_end", { withTimezone: true }).notNull().unique(),
  closedAt: timestamp("closed_at", { withTimezone: true }).notNull().defaultNow(),
  closedByUserId: text("closed_by_user_id"),
  closedByEmail: text("closed_by_email"),
  /** Journal entries and ledger lines inside the period when it closed (what the auditor's exports must hold). */
  journalEntryCount: integer("journal_entry_count").notNull(),
  ledgerLineCount: integer("ledger_line_count").notNull(),
});

/**
 * Balances per ledger account and organization at a closed period's end, frozen at close: the next period's
 * opening. `organization_id` null = the platform's own accounts (revenue, Stripe clearing, …).
 */
export const periodClosingBalances = pgTable(
  "period_closing_balances",
  {
    id: text("id").primaryKey(),
    periodStart: timestamp("period_start", { withTimezone: true })
      .notNull()
      .references(() => accountingPeriods.periodStart),
    account: text("account").notNull(),
    organizationId: text("organization_id"),
    amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
  },
  (t) => [uniqueIndex("period_closing_balances_uq").on(t.periodStart, t.account, sql`coalesce(${t.organizationId}, '')`)],
);

export const RECONCILIATION_TRIGGERS = ["schedule", "manual"] as const;
export type ReconciliationTrigger = (typeof RECONCILIATION_TRIGGERS)[number];
export const RECONCILIATION_RUN_STATUSES = ["running", "completed", "failed"] as const;
export type ReconciliationRunStatus = (typeof RECONCILIATION_RUN_STATUSES)[number];

/** One reconciliation of the ledger's Stripe-linked entries against Stripe's balance transactions and payouts, over `[period_start, period_end)`. */
export const reconciliationRuns = pgTable(
  "reconciliation_runs",
  {
    id: text("id").primaryKey(),
    trigger: text("trigger").$type<ReconciliationTrigger>().notNull(),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
    status: text("status").$type<ReconciliationRunStatus>().notNull().default("running"),
    /** Why a run failed (Stripe unreachable, …), in words; internal error text stays in the logs. */
    error: text("error"),
    matched: integer("matched").notNull().default(0),
    missingInStripe: integer("missing_in_stripe").notNull().default(0),
    missingInLedger: integer("missing_in_ledger").notNull().default(0),
    amountMismatch: integer("amount_mismatch").notNull().default(0),
    /** Stripe fees posted as platform expense by this run. */
    feesPostedNanos: bigint("fees_posted_nanos", { mode: "bigint" }).notNull().default(sql`0`),
    startedByUserId: text("started_by_user_id"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("reconciliation_runs_started_idx").on(t.startedAt)],
);

export const RECONCILIATION_ITEM_STATUSES = ["matched", "missing_in_stripe", "missing_in_ledger", "amount_mismatch"] as const;
export type ReconciliationItemStatus = (typeof RECONCILIATION_ITEM_STATUSES)[number];

/**
 * One Stripe object (charge, refund, dispute, transfer, transfer reversal, bank payout, …) as reconciled in a
 * run: the ledger's amount for it against Stripe's, both nano-USD in Stripe's sign (money into the platform's
 * Stripe balance is positive).
 */
export const reconciliationItems = pgTable(
  "reconciliation_items",
  {
    id: text("id").primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => reconciliationRuns.id),
    status: text("status").$type<ReconciliationItemStatus>().notNull(),
    /** charge | refund | dispute | transfer | transfer_reversal | bank_payout | invoice_payment | fee | other */
    kind: text("kind").notNull(),
    stripeObjectId: text("stripe_object_id").notNull(),
    /** The connected account for bank payouts; null = the platform's balance. */
    stripeAccount: text("stripe_account"),
    organizationId: text("organization_id"),
    journalEntryIds: jsonb("journal_entry_ids").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    ledgerNanos: bigint("ledger_nanos", { mode: "bigint" }),
    stripeNanos: bigint("stripe_nanos", { mode: "bigint" }),
    description: text("description").notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true }),
  },
  (t) => [index("reconciliation_items_run_idx").on(t.runId, t.status)],
);

/** Who did what in finance: exports, period closes, reconciliation runs, payout runs, billing and fee setting changes. Append-only. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /** null = the system (a scheduled job, a setting read from the environment at start). */
    actorUserId: text("actor_user_id"),
    actorEmail: text("actor_email"),
    /** The organization the actor acted for, or that the action concerned. */
    organizationId: text("organization_id"),
    /** A closed set: server/finance/audit/actions.ts. */
    action: text("action").notNull(),
    /** What it was about: the export kind, the period, the run id, the organization changed, … */
    subject: text("subject"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index("audit_log_at_idx").on(t.at), index("audit_log_action_idx").on(t.action, t.at)],
);
