CREATE TABLE "leader_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "market_ticks" (
	"model_id" text NOT NULL,
	"hardware_class" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"spot_nanos_per_second" bigint,
	"supply_slots" integer NOT NULL,
	"total_supply_slots" integer NOT NULL,
	"demand_millislots" bigint NOT NULL,
	"total_demand_millislots" bigint NOT NULL,
	"utilization" double precision NOT NULL,
	CONSTRAINT "market_ticks_model_id_hardware_class_at_pk" PRIMARY KEY("model_id","hardware_class","at")
);
--> statement-breakpoint
CREATE TABLE "markets" (
	"model_id" text NOT NULL,
	"hardware_class" text NOT NULL,
	"spot_nanos_per_second" bigint,
	"lowest_ask_nanos_per_second" bigint,
	"supply_slots" integer NOT NULL,
	"total_supply_slots" integer NOT NULL,
	"demand_millislots" bigint NOT NULL,
	"total_demand_millislots" bigint NOT NULL,
	"utilization" double precision NOT NULL,
	"shortage" boolean NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "markets_model_id_hardware_class_pk" PRIMARY KEY("model_id","hardware_class")
);
--> statement-breakpoint
CREATE TABLE "standing_bids" (
	"organization_id" text NOT NULL,
	"model_id" text NOT NULL,
	"bid_nanos_per_second" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "standing_bids_organization_id_model_id_pk" PRIMARY KEY("organization_id","model_id")
);
--> statement-breakpoint
ALTER TABLE "standing_bids" ADD CONSTRAINT "standing_bids_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "market_ticks_at_idx" ON "market_ticks" USING btree ("at");--> statement-breakpoint
CREATE INDEX "standing_bids_model_idx" ON "standing_bids" USING btree ("model_id");