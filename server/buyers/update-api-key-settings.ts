import { and, eq } from "drizzle-orm";
import { apiKeys } from "../../db/schema";
import { formatUsd, MAX_AMOUNT_NANOS, usdToNanos } from "../../lib/money";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { spotlanePreferences, type SpotlanePreferences } from "../gateway/schemas";

/** Bounds that catch typos (an extra zero, a unit mix-up); null in the column means unlimited. */
export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;
export const MAX_CONCURRENCY_LIMIT = 10_000;
/** $1,000,000,000 a month: the one range for amounts people type (lib/money.ts), well inside a signed 64-bit column. */
export const MAX_MONTHLY_SPEND_LIMIT_NANOS = MAX_AMOUNT_NANOS;

export type ApiKeySettings = {
  /** Requests per minute; null = unlimited. */
  rate_limit_per_minute: number | null;
  /** Requests in flight at once; null = unlimited. */
  concurrency_limit: number | null;
  /** Spend through the key per calendar month (UTC), nano-USD; null = only the balance limits it. */
  monthly_spend_limit_nanos: bigint | null;
  /** Routing preferences for requests that do not say otherwise (the body's `spotlane` wins, field by field). */
  routing_defaults: SpotlanePreferences | null;
};

/**
 * A patch: a field left out keeps its stored value, `null` clears it (unlimited / no defaults).
 * `routing_defaults` is `unknown` because callers hand over user input; it is validated here with
 * the gateway's own `spotlanePreferences` schema, so what is stored is exactly what the gateway accepts.
 */
export type UpdateApiKeySettingsInput = {
  organizationId: string;
  apiKeyId: string;
  rate_limit_per_minute?: number | null;
  concurrency_limit?: number | null;
  monthly_spend_limit_nanos?: bigint | null;
  routing_defaults?: unknown;
};

export type UpdateApiKeySettingsResult = ApiKeySettings & { id: string; name: string };

/**
 * A monthly spend limit typed in USD ("250", "12.50", "$1,000") → nano-USD; "" or null → null (no limit),
 * undefined → undefined (unchanged). At most 9 decimals: one nano-dollar is the unit.
 */
export function monthlySpendLimitNanosFromUsd(usd: string | null | undefined): bigint | null | undefined {
  if (usd === undefined || usd === null) return usd;
  const text = usd.trim().replace(/^\$/, "").replace(/,/g, "").trim();
  if (text === "") return null;
  if (!/^\d{1,12}(\.\d{1,9})?$/.test(text)) {
    throw new ServiceError("invalid_input", "The monthly spend limit must be a USD amount like 250 or 12.50; leave it empty for no limit.", { param: "monthly_spend_limit" });
  }
  return usdToNanos(text);
}

function checkCount(value: number | null | undefined, max: number, what: string, param: string): void {
  if (value === undefined || value === null) return;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ServiceError("invalid_input", `${what} must be a whole number from 1 to ${max.toLocaleString("en-US")}; leave it empty for no limit.`, { param });
  }
}

/** "hardware.only.0" → "hardware.only[1]": people count list items from one. */
function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p + 1}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
}

/**
 * Validates routing defaults with the gateway's schema and stores them minimal: empty lists and empty
 * groups are dropped (the router ignores them anyway) and nothing at all becomes null.
 */
export function normalizeRoutingDefaults(value: unknown): SpotlanePreferences | null {
  if (value === null || value === undefined) return null;
  const parsed = spotlanePreferences.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => (i.path.length ? `${issuePath(i.path)}: ${i.message}` : i.message));
    throw new ServiceError("invalid_input", `Invalid routing defaults — ${issues.join("; ")}.`, { param: "routing_defaults", issues });
  }
  const prefs = parsed.data;
  const list = (l: string[] | undefined) => (l && l.length > 0 ? l : undefined);
  const group = <T extends Record<string, string[] | undefined>>(g: T | undefined): T | undefined => {
    if (!g) return undefined;
    const kept = Object.fromEntries(Object.entries(g).filter(([, l]) => l && l.length > 0)) as T;
    return Object.keys(kept).length > 0 ? kept : undefined;
  };
  const out: SpotlanePreferences = {
    sort: prefs.sort,
    max_price_per_second: prefs.max_price_per_second,
    max_ttft_ms: prefs.max_ttft_ms,
    hardware: group(prefs.hardware),
    quantizations: list(prefs.quantizations),
    providers: group(prefs.providers),
    allow_fallbacks: prefs.allow_fallbacks,
  };
  const defined = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as SpotlanePreferences;
  return Object.keys(defined).length > 0 ? defined : null;
}

/** A stored value that no longer parses is shown as none, just as the gateway ignores it (api-key-cache.ts). */
export function readRoutingDefaults(stored: unknown): SpotlanePreferences | null {
  if (stored === null || stored === undefined) return null;
  const parsed = spotlanePreferences.safeParse(stored);
  return parsed.success && Object.keys(parsed.data).length > 0 ? parsed.data : null;
}

/**
 * Sets an API key's limits and routing defaults. The gateway caches keys for at most 1 s
 * (server/gateway/api-key-cache.ts), so new settings apply to new requests within about a second.
 */
export async function updateApiKeySettings(ctx: ServiceContext, input: UpdateApiKeySettingsInput): Promise<UpdateApiKeySettingsResult> {
  checkCount(input.rate_limit_per_minute, MAX_RATE_LIMIT_PER_MINUTE, "Requests per minute", "rate_limit_per_minute");
  checkCount(input.concurrency_limit, MAX_CONCURRENCY_LIMIT, "Concurrent requests", "concurrency_limit");
  const spend = input.monthly_spend_limit_nanos;
  if (spend !== undefined && spend !== null && (spend < 0n || spend > MAX_MONTHLY_SPEND_LIMIT_NANOS)) {
    throw new ServiceError("invalid_input", `The monthly spend limit must be between $0 and ${formatUsd(MAX_MONTHLY_SPEND_LIMIT_NANOS, 0)}; leave it empty for no limit.`, {
      param: "monthly_spend_limit",
    });
  }
  const routingDefaults = input.routing_defaults === undefined ? undefined : normalizeRoutingDefaults(input.routing_defaults);

  const where = and(eq(apiKeys.id, input.apiKeyId), eq(apiKeys.organizationId, input.organizationId));
  const [row] = await ctx.db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(where).limit(1);
  // Another organization's key reads as missing, never as forbidden: ids do not leak across tenants.
  if (!row) throw new ServiceError("not_found", "API key not found.");
  if (row.revokedAt) throw new ServiceError("conflict", "This API key is revoked; its settings can no longer be changed.");

  const set: Partial<typeof apiKeys.$inferInsert> = {};
  if (input.rate_limit_per_minute !== undefined) set.rateLimitPerMinute = input.rate_limit_per_minute;
  if (input.concurrency_limit !== undefined) set.concurrencyLimit = input.concurrency_limit;
  if (spend !== undefined) set.monthlySpendLimitNanos = spend;
  if (routingDefaults !== undefined) set.routingDefaults = routingDefaults;

  const columns = {
    id: apiKeys.id,
    name: apiKeys.name,
    rate_limit_per_minute: apiKeys.rateLimitPerMinute,
    concurrency_limit: apiKeys.concurrencyLimit,
    monthly_spend_limit_nanos: apiKeys.monthlySpendLimitNanos,
    routing_defaults: apiKeys.routingDefaults,
  };
  const [updated] =
    Object.keys(set).length > 0
      ? await ctx.db.update(apiKeys).set(set).where(where).returning(columns)
      : await ctx.db.select(columns).from(apiKeys).where(where).limit(1);
  if (!updated) throw new ServiceError("not_found", "API key not found.");
  return { ...updated, routing_defaults: readRoutingDefaults(updated.routing_defaults) };
}
