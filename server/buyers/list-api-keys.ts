import { and, desc, eq, gte, sql } from "drizzle-orm";
import { apiKeys, requests } from "../../db/schema";
import type { ServiceContext } from "../context";
import { readRoutingDefaults, type ApiKeySettings } from "./update-api-key-settings";

export type ApiKeySummary = ApiKeySettings & {
  id: string;
  name: string;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  status: "active" | "revoked";
  /** Sum of the key's request costs dispatched since `month_start` (settled requests; in-flight holds excluded), nano-USD. */
  month_spend_nanos: bigint;
  /** Start of the current calendar month, UTC: the period the monthly spend limit counts. */
  month_start: Date;
};

/** The period a monthly spend limit counts, as admission does (server/billing/reserve-funds.ts): [month start UTC, now). */
export function startOfUtcMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** An organization's API keys with their settings and this month's spend, newest first. Never includes hashes or secrets. */
export async function listApiKeys(ctx: ServiceContext, input: { organizationId: string }): Promise<ApiKeySummary[]> {
  const month_start = startOfUtcMonth(ctx.now());
  // One grouped pass over the organization's requests this month (index requests_org_dispatched_idx).
  const spend = ctx.db
    .select({ apiKeyId: requests.apiKeyId, total: sql<string>`sum(${requests.costNanos})::text`.as("total") })
    .from(requests)
    .where(and(eq(requests.organizationId, input.organizationId), gte(requests.dispatchedAt, month_start)))
    .groupBy(requests.apiKeyId)
    .as("month_spend");
  const rows = await ctx.db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      keyPrefix: apiKeys.keyPrefix,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
      rateLimitPerMinute: apiKeys.rateLimitPerMinute,
      concurrencyLimit: apiKeys.concurrencyLimit,
      monthlySpendLimitNanos: apiKeys.monthlySpendLimitNanos,
      routingDefaults: apiKeys.routingDefaults,
      monthSpend: spend.total,
    })
    .from(apiKeys)
    .leftJoin(spend, eq(spend.apiKeyId, apiKeys.id))
    .where(eq(apiKeys.organizationId, input.organizationId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    key_prefix: r.keyPrefix,
    created_at: r.createdAt,
    revoked_at: r.revokedAt,
    status: r.revokedAt ? "revoked" : "active",
    rate_limit_per_minute: r.rateLimitPerMinute,
    concurrency_limit: r.concurrencyLimit,
    monthly_spend_limit_nanos: r.monthlySpendLimitNanos,
    routing_defaults: readRoutingDefaults(r.routingDefaults),
    month_spend_nanos: BigInt(r.monthSpend ?? "0"),
    month_start,
  }));
}
