ALTER TABLE "api_keys" ADD COLUMN "rate_limit_per_minute" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "concurrency_limit" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "monthly_spend_limit_nanos" bigint;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "routing_defaults" jsonb;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "api_key_id" text;