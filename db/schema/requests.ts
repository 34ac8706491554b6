import { bigint, boolean, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { organizations } from "./auth";
import { apiKeys } from "./buyers";

/** One row per buyer request that reached dispatch: what ran where, for how long, at what locked price. */
export const requests = pgTable(
  "requests",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull().references(() => organizations.id),
    apiKeyId: text("api_key_id").notNull().references(() => apiKeys.id),
    offerId: text("offer_id").notNull(),
    machineId: text("machine_id").notNull(),
    providerOrganizationId: text("provider_organization_id").notNull(),
    modelId: text("model_id").notNull(),
    hardwareClass: text("hardware_class").notNull(),
    endpoint: text("endpoint").notNull(),
    stream: boolean("stream").notNull(),
    /** completed | failed | aborted */
    status: text("status").notNull(),
    errorCode: text("error_code"),
    priceNanosPerSecond: bigint("price_nanos_per_second", { mode: "bigint" }).notNull(),
    /** The most the buyer would pay per second for this request (its own, the key's or the standing bid); null = pays spot. */
    bidNanosPerSecond: bigint("bid_nanos_per_second", { mode: "bigint" }),
    /** Dispatch → last byte as the gateway measured it. */
    computeMs: integer("compute_ms").notNull(),
    /** Slot time the agent says it served (its engine slot held); null when it did not say. */
    servedMs: integer("served_ms"),
    /** The most this request may bill: its time at the offer's verified rates plus the tolerance (README, pricing rules). */
    quoteMs: integer("quote_ms"),
    /** What was billed: min(compute_ms, served_ms, quote_ms), and never past the hold. cost = price × billed_ms. */
    billedMs: integer("billed_ms").notNull().default(0),
    ttftMs: integer("ttft_ms"),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    costNanos: bigint("cost_nanos", { mode: "bigint" }).notNull(),
    providerEarningsNanos: bigint("provider_earnings_nanos", { mode: "bigint" }).notNull(),
    platformFeeNanos: bigint("platform_fee_nanos", { mode: "bigint" }).notNull(),
    dispatchedAt: timestamp("dispatched_at", { withTimezone: true }).notNull(),
    completedAt: timestamp("completed_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("requests_org_dispatched_idx").on(t.organizationId, t.dispatchedAt),
    index("requests_offer_idx").on(t.offerId),
    // The clearing tick reads the last seconds of finished requests.
    index("requests_completed_idx").on(t.completedAt),
    index("requests_key_dispatched_idx").on(t.apiKeyId, t.dispatchedAt),
  ],
);
