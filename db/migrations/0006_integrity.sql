CREATE TABLE "settlement_dead_letters" (
	"request_id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"instance_id" text NOT NULL,
	"amount_nanos" bigint NOT NULL,
	"outcome" jsonb NOT NULL,
	"error" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "registered_slots" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "served_ms" integer;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "quote_ms" integer;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "billed_ms" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "canary_runs" ADD COLUMN "concurrency" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "canary_runs" ADD COLUMN "stream" boolean DEFAULT true NOT NULL;--> statement-breakpoint
CREATE INDEX "settlement_dead_letters_org_idx" ON "settlement_dead_letters" USING btree ("organization_id");--> statement-breakpoint
UPDATE "offers" SET "registered_slots" = "slots";--> statement-breakpoint
UPDATE "requests" SET "billed_ms" = "compute_ms";
