import { bigint, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { organizations, users } from "./auth";

/** API keys are shown once; only the SHA-256 is stored, found by the first 16 characters. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    keyPrefix: text("key_prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Requests per minute; null = unlimited. Enforced per gateway process. */
    rateLimitPerMinute: integer("rate_limit_per_minute"),
    /** Requests in flight at once; null = unlimited. */
    concurrencyLimit: integer("concurrency_limit"),
    /** Spend per calendar month (UTC) through this key, nano-USD; null = only the balance limits it. */
    monthlySpendLimitNanos: bigint("monthly_spend_limit_nanos", { mode: "bigint" }),
    /** Routing preferences applied when a request does not say otherwise (same shape as the body's `spotlane`). */
    routingDefaults: jsonb("routing_defaults").$type<Record<string, unknown>>(),
  },
  (t) => [index("api_keys_prefix_idx").on(t.keyPrefix), index("api_keys_org_idx").on(t.organizationId)],
);
