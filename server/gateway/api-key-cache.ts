import { eq } from "drizzle-orm";
import { sha256Hex } from "../../lib/secrets";
import { apiKeys } from "../../db/schema";
import type { Db } from "../../db/client";
import { RefreshingMap } from "../../lib/refreshing-value";
import { ServiceError } from "../errors";
import { spotlanePreferences, type SpotlanePreferences } from "./schemas";

export type ResolvedKey = {
  apiKeyId: string;
  organizationId: string;
  rate_limit_per_minute: number | null;
  concurrency_limit: number | null;
  monthly_spend_limit_nanos: bigint | null;
  /** Validated routing defaults; a stored value that no longer parses is ignored rather than failing requests. */
  routing_defaults: SpotlanePreferences | null;
};

/**
 * API keys resolved from memory at steady state. An entry (including a miss) is reloaded in the background
 * from half of `ttl_ms` and never used past `ttl_ms` after its read started, so a revoked key stops working
 * everywhere within that time without a database read per request.
 */
export class ApiKeyCache {
  private entries: RefreshingMap<string, ResolvedKey | null>;

  constructor(
    private db: Db,
    now_ms: () => number,
    ttl_ms = 1_000,
  ) {
    this.entries = new RefreshingMap({
      load: (hash) => this.read(hash),
      now_ms,
      // Steady traffic never waits on the database; a failed background read keeps the entry until the TTL.
      refresh_ms: ttl_ms / 2,
      max_stale_ms: ttl_ms,
    });
  }

  async resolve(authorization: string | undefined): Promise<ResolvedKey> {
    const secret = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    if (!secret) throw new ServiceError("unauthenticated", "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.");
    const key = await this.entries.get(sha256Hex(secret));
    if (!key) throw new ServiceError("unauthenticated", "Incorrect or revoked API key provided.");
    return key;
  }

  private async read(hash: string): Promise<ResolvedKey | null> {
    const [row] = await this.db
      .select({
        apiKeyId: apiKeys.id,
        organizationId: apiKeys.organizationId,
        revokedAt: apiKeys.revokedAt,
        rate_limit_per_minute: apiKeys.rateLimitPerMinute,
        concurrency_limit: apiKeys.concurrencyLimit,
        monthly_spend_limit_nanos: apiKeys.monthlySpendLimitNanos,
        routingDefaults: apiKeys.routingDefaults,
      })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, hash))
      .limit(1);
    if (!row || row.revokedAt) return null;
    const { revokedAt: _revoked, routingDefaults, ...rest } = row;
    const parsed = spotlanePreferences.safeParse(routingDefaults ?? {});
    return { ...rest, routing_defaults: parsed.success ? parsed.data : null };
  }
}
