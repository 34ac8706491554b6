ALTER TABLE "requests" ADD COLUMN "bid_nanos_per_second" bigint;--> statement-breakpoint
CREATE INDEX "requests_completed_idx" ON "requests" USING btree ("completed_at");--> statement-breakpoint
CREATE INDEX "requests_key_dispatched_idx" ON "requests" USING btree ("api_key_id","dispatched_at");