import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { organizations } from "./auth";

/**
 * Double-entry ledger (DESIGN §6). Every journal entry's lines sum to zero; balances are sums of lines.
 * Sign convention: a positive amount increases what the account's holder has.
 */
export const LEDGER_ACCOUNTS = ["buyer_balance", "provider_earnings", "provider_in_transit", "platform_revenue", "platform_expense", "test_credit_grants", "stripe_clearing"] as const;
export type LedgerAccount = (typeof LEDGER_ACCOUNTS)[number];

export const journalEntries = pgTable("journal_entries", {
  id: text("id").primaryKey(),
  /**
   * request_settlement | test_credit_grant | top_up | refund | refund_reversal | dispute_withdrawal | dispute_reinstatement |
   * invoice_payment | payout | payout_transfer | payout_failure | payout_reversal | clawback | clawback_release | stripe_fee
   * (payouts: server/billing/payouts/README.md; fees and periods: server/finance/README.md).
   */
  kind: text("kind").notNull(),
  /** Makes every posting exactly-once: a retried settlement or grant collides here. */
  idempotencyKey: text("idempotency_key").notNull().unique(),
  requestId: text("request_id"),
  /**
   * The Stripe object whose balance transactions this entry mirrors (ch_ charge, re_ refund, dp_ dispute, in_
   * invoice, tr_ transfer, trr_ reversal; a `stripe_fee` entry carries the id of the object Stripe charged the fee on):
   * what reconciliation matches on. Null = no Stripe money.
   */
  stripeObjectId: text("stripe_object_id"),
  memo: text("memo"),
  /** The posting date: the period the entry belongs to. Never inside a closed period (enforced by the database). */
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  /** Set when the event happened inside a period already closed: it posted at the open period's start instead (a late correction of that period). */
  occurredAt: timestamp("occurred_at", { withTimezone: true }),
}, (t) => [
  index("journal_entries_created_idx").on(t.createdAt, t.id),
  index("journal_entries_request_idx").on(t.requestId),
  index("journal_entries_stripe_object_idx").on(t.stripeObjectId),
]);

export const ledgerLines = pgTable(
  "ledger_lines",
  {
    id: text("id").primaryKey(),
    journalEntryId: text("journal_entry_id").notNull().references(() => journalEntries.id),
    account: text("account").$type<LedgerAccount>().notNull(),
    organizationId: text("organization_id").references(() => organizations.id),
    amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("ledger_lines_account_org_idx").on(t.account, t.organizationId),
    index("ledger_lines_entry_idx").on(t.journalEntryId),
    // The Billing page's balance history: one organization's lines in order, paged by (created_at, id).
    index("ledger_lines_org_account_created_idx").on(t.organizationId, t.account, t.createdAt, t.id),
    // Roll-forwards and period closes: every line of a period, by account.
    index("ledger_lines_created_idx").on(t.createdAt, t.account),
  ],
);

/** Funds held for in-flight requests so concurrent requests cannot overspend a balance. */
export const reservations = pgTable(
  "reservations",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull().references(() => organizations.id),
    requestId: text("request_id").notNull().unique(),
    /** Held against the key's monthly spend limit too. */
    apiKeyId: text("api_key_id"),
    amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** A crashed gateway's holds lapse on their own. */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("reservations_org_idx").on(t.organizationId)],
);

/**
 * A block of a buyer's balance held by one gateway instance, from which it admits requests in
 * memory (no database round trip per request). Settled costs are taken out of the lease in the
 * same transaction that debits the ledger; a dead instance's lease lapses at `expires_at`.
 */
export const creditLeases = pgTable(
  "credit_leases",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull().references(() => organizations.id),
    instanceId: text("instance_id").notNull(),
    amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("credit_leases_org_instance_uq").on(t.organizationId, t.instanceId)],
);

/**
 * Settlements the ledger refused (a poison outcome): never "free". The cost stays held against the
 * buyer's balance until an operator replays it (`npm run settlements:replay`) or it is resolved.
 */
export const settlementDeadLetters = pgTable(
  "settlement_dead_letters",
  {
    requestId: text("request_id").primaryKey(),
    organizationId: text("organization_id").notNull(),
    instanceId: text("instance_id").notNull(),
    /** The priced cost, held against the buyer's balance while the letter is open. */
    amountNanos: bigint("amount_nanos", { mode: "bigint" }).notNull(),
    /** The RequestOutcome as the write-ahead log holds it (bigints as strings). */
    outcome: jsonb("outcome").notNull(),
    error: text("error").notNull(),
    attempts: integer("attempts").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set when a replay settled it; open letters have null. */
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [index("settlement_dead_letters_org_idx").on(t.organizationId)],
);
