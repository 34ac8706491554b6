CREATE TABLE "accounting_periods" (
	"period_start" timestamp with time zone PRIMARY KEY NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_by_user_id" text,
	"closed_by_email" text,
	"journal_entry_count" integer NOT NULL,
	"ledger_line_count" integer NOT NULL,
	CONSTRAINT "accounting_periods_period_end_unique" UNIQUE("period_end")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_user_id" text,
	"actor_email" text,
	"organization_id" text,
	"action" text NOT NULL,
	"subject" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "period_closing_balances" (
	"id" text PRIMARY KEY NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"account" text NOT NULL,
	"organization_id" text,
	"amount_nanos" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reconciliation_items" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"status" text NOT NULL,
	"kind" text NOT NULL,
	"stripe_object_id" text NOT NULL,
	"stripe_account" text,
	"organization_id" text,
	"journal_entry_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ledger_nanos" bigint,
	"stripe_nanos" bigint,
	"description" text NOT NULL,
	"occurred_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reconciliation_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"error" text,
	"matched" integer DEFAULT 0 NOT NULL,
	"missing_in_stripe" integer DEFAULT 0 NOT NULL,
	"missing_in_ledger" integer DEFAULT 0 NOT NULL,
	"amount_mismatch" integer DEFAULT 0 NOT NULL,
	"fees_posted_nanos" bigint DEFAULT 0 NOT NULL,
	"started_by_user_id" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "journal_entries" ADD COLUMN "stripe_object_id" text;--> statement-breakpoint
ALTER TABLE "journal_entries" ADD COLUMN "occurred_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "period_closing_balances" ADD CONSTRAINT "period_closing_balances_period_start_accounting_periods_period_start_fk" FOREIGN KEY ("period_start") REFERENCES "public"."accounting_periods"("period_start") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_items" ADD CONSTRAINT "reconciliation_items_run_id_reconciliation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."reconciliation_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action","at");--> statement-breakpoint
CREATE UNIQUE INDEX "period_closing_balances_uq" ON "period_closing_balances" USING btree ("period_start","account",coalesce("organization_id", ''));--> statement-breakpoint
CREATE INDEX "reconciliation_items_run_idx" ON "reconciliation_items" USING btree ("run_id","status");--> statement-breakpoint
CREATE INDEX "reconciliation_runs_started_idx" ON "reconciliation_runs" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "journal_entries_created_idx" ON "journal_entries" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "journal_entries_request_idx" ON "journal_entries" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "journal_entries_stripe_object_idx" ON "journal_entries" USING btree ("stripe_object_id");--> statement-breakpoint
CREATE INDEX "ledger_lines_created_idx" ON "ledger_lines" USING btree ("created_at","account");--> statement-breakpoint
-- Stripe ids of entries posted before this migration (reconciliation matches on them).
UPDATE "journal_entries" SET "stripe_object_id" = split_part("idempotency_key", ':', 2)
  WHERE "kind" IN ('refund', 'refund_reversal', 'dispute_withdrawal', 'dispute_reinstatement', 'invoice_payment', 'payout_reversal');--> statement-breakpoint
UPDATE "journal_entries" je SET "stripe_object_id" = t."stripe_charge_id" FROM "top_ups" t
  WHERE je."kind" = 'top_up' AND je."idempotency_key" = 'top_up:' || t."id";--> statement-breakpoint
UPDATE "journal_entries" je SET "stripe_object_id" = p."stripe_transfer_id" FROM "payouts" p
  WHERE je."kind" = 'payout_transfer' AND je."idempotency_key" = 'payout:' || p."id" || ':transferred';--> statement-breakpoint
-- A closed period is final: no journal entry or ledger line may be dated inside it, or changed or removed
-- from it, and no line may be added to (or moved onto) an entry dated inside it (server/finance/README.md).
-- Statement-level, so a settlement batch of many lines checks once. The shared period lock is taken first, as
-- every posting does, so a write that skipped the code's lock still waits for a close and then sees it.
CREATE FUNCTION "ledger_refuse_closed_period"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  closed_through timestamptz;
  offending timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7341001);
  SELECT max("period_end") INTO closed_through FROM "accounting_periods";
  IF closed_through IS NULL THEN RETURN NULL; END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT min("created_at") INTO offending FROM new_rows WHERE "created_at" < closed_through;
  END IF;
  IF offending IS NULL AND TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT min("created_at") INTO offending FROM old_rows WHERE "created_at" < closed_through;
  END IF;
  IF offending IS NULL AND TG_TABLE_NAME = 'ledger_lines' AND TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT min(e."created_at") INTO offending FROM new_rows n JOIN "journal_entries" e ON e."id" = n."journal_entry_id" WHERE e."created_at" < closed_through;
  END IF;
  IF offending IS NULL AND TG_TABLE_NAME = 'ledger_lines' AND TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT min(e."created_at") INTO offending FROM old_rows o JOIN "journal_entries" e ON e."id" = o."journal_entry_id" WHERE e."created_at" < closed_through;
  END IF;
  IF offending IS NOT NULL THEN
    RAISE EXCEPTION 'period_closed: % on % dated % is inside a closed period (closed through %)', TG_OP, TG_TABLE_NAME, offending, closed_through
      USING ERRCODE = 'SL001';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "journal_entries_closed_period_insert" AFTER INSERT ON "journal_entries" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_closed_period"();--> statement-breakpoint
CREATE TRIGGER "journal_entries_closed_period_update" AFTER UPDATE ON "journal_entries" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_closed_period"();--> statement-breakpoint
CREATE TRIGGER "journal_entries_closed_period_delete" AFTER DELETE ON "journal_entries" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_closed_period"();--> statement-breakpoint
CREATE TRIGGER "ledger_lines_closed_period_insert" AFTER INSERT ON "ledger_lines" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_closed_period"();--> statement-breakpoint
CREATE TRIGGER "ledger_lines_closed_period_update" AFTER UPDATE ON "ledger_lines" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_closed_period"();--> statement-breakpoint
CREATE TRIGGER "ledger_lines_closed_period_delete" AFTER DELETE ON "ledger_lines" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_closed_period"();--> statement-breakpoint
-- Truncation skips row and statement triggers: refuse it outright once anything is closed.
CREATE FUNCTION "ledger_refuse_truncate_when_closed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "accounting_periods") THEN
    RAISE EXCEPTION 'period_closed: TRUNCATE of % with closed periods', TG_TABLE_NAME USING ERRCODE = 'SL001';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "journal_entries_closed_period_truncate" BEFORE TRUNCATE ON "journal_entries" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_truncate_when_closed"();--> statement-breakpoint
CREATE TRIGGER "ledger_lines_closed_period_truncate" BEFORE TRUNCATE ON "ledger_lines" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_truncate_when_closed"();--> statement-breakpoint
-- A close, and what it froze, cannot be undone or edited.
CREATE FUNCTION "finance_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'period_closed: % of % is refused: a closed period is final', TG_OP, TG_TABLE_NAME USING ERRCODE = 'SL001';
END $$;--> statement-breakpoint
CREATE TRIGGER "accounting_periods_final" BEFORE UPDATE OR DELETE ON "accounting_periods" FOR EACH ROW EXECUTE FUNCTION "finance_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "period_closing_balances_final" BEFORE UPDATE OR DELETE ON "period_closing_balances" FOR EACH ROW EXECUTE FUNCTION "finance_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "finance_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "accounting_periods_no_truncate" BEFORE TRUNCATE ON "accounting_periods" FOR EACH STATEMENT EXECUTE FUNCTION "finance_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "period_closing_balances_no_truncate" BEFORE TRUNCATE ON "period_closing_balances" FOR EACH STATEMENT EXECUTE FUNCTION "finance_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "finance_refuse_change"();--> statement-breakpoint
-- Closes are contiguous (each starts where the last ended) and a period's frozen balances are written only by the
-- transaction that closes it: a stray row cannot move the open period or change the next month's opening.
CREATE FUNCTION "accounting_periods_contiguous"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  closed_through timestamptz;
BEGIN
  SELECT max("period_end") INTO closed_through FROM "accounting_periods";
  IF NEW."period_end" <= NEW."period_start" OR (closed_through IS NOT NULL AND NEW."period_start" <> closed_through) THEN
    RAISE EXCEPTION 'period_closed: period [%, %) does not start where the last closed one ended (%)', NEW."period_start", NEW."period_end", closed_through
      USING ERRCODE = 'SL001';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "accounting_periods_contiguous" BEFORE INSERT ON "accounting_periods" FOR EACH ROW EXECUTE FUNCTION "accounting_periods_contiguous"();--> statement-breakpoint
CREATE FUNCTION "period_closing_balances_with_close"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "accounting_periods" WHERE "period_start" = NEW."period_start" AND "xmin"::text::bigint = txid_current() % 4294967296) THEN
    RAISE EXCEPTION 'period_closed: closing balances of % can only be written by the transaction that closes it', NEW."period_start"
      USING ERRCODE = 'SL001';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "period_closing_balances_with_close" BEFORE INSERT ON "period_closing_balances" FOR EACH ROW EXECUTE FUNCTION "period_closing_balances_with_close"();
