CREATE TABLE "canary_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"offer_id" text NOT NULL,
	"machine_id" text NOT NULL,
	"model_id" text NOT NULL,
	"request_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"ok" boolean NOT NULL,
	"error" text,
	"ttft_ms" integer,
	"duration_ms" integer,
	"decode_tokens_per_second" double precision,
	"prefill_tokens_per_second" double precision,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"prompt_set_version" text NOT NULL,
	"prompt_id" text NOT NULL,
	"output_sha256" text,
	"identity_match" boolean
);
--> statement-breakpoint
CREATE TABLE "model_fingerprints" (
	"model_id" text NOT NULL,
	"prompt_set_version" text NOT NULL,
	"prompt_id" text NOT NULL,
	"output_sha256" text NOT NULL,
	"completion_tokens" integer,
	"source" text NOT NULL,
	"established_by_offer_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_fingerprints_model_id_prompt_set_version_prompt_id_pk" PRIMARY KEY("model_id","prompt_set_version","prompt_id")
);
--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "heartbeat_up_ms" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "heartbeat_observed_ms" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "model_size_bytes" bigint;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "claim_check" text DEFAULT 'unchecked_unknown_model_size' NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "decode_ceiling_tokens_per_second" double precision;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "claimed_decode_corrected_from" double precision;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "verification_status" text DEFAULT 'unverified' NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "suspended_reason" text;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "suspended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "verified_decode_tokens_per_second" double precision;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "verified_prefill_tokens_per_second" double precision;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "verified_ttft_ms" double precision;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "verified_observations" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "reliability_score" double precision;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "last_registered_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "next_canary_at" timestamp with time zone DEFAULT now();--> statement-breakpoint
ALTER TABLE "canary_runs" ADD CONSTRAINT "canary_runs_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "canary_runs_offer_at_idx" ON "canary_runs" USING btree ("offer_id","at");--> statement-breakpoint
CREATE INDEX "offers_next_canary_idx" ON "offers" USING btree ("next_canary_at");