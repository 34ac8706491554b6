import { eq } from "drizzle-orm";
import { sha256Hex } from "../../lib/secrets";
import { apiKeys } from "../../db/schema";
import type { Db } from "../../db/client";
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
 * API keys resolved from memory at steady state. Entries (including misses) live for `ttl_ms`,
 * so a revoked key stops working everywhere within that time without a database read per request.
 */
export class ApiKeyCache {
  private entries = new Map<string, { key: ResolvedKey | null; fetched_ms: number }>();
  private inflight = new Map<string, Promise<ResolvedKey | null>>();

  constructor(
    private db: Db,
    private now_ms: () => number,
    private ttl_ms = 1_000,
  ) {}

  async resolve(authorization: string | undefined): Promise<ResolvedKey> {
    const secret = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    if (!secret) throw new ServiceError("unauthenticated", "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.");
    const hash = sha256Hex(secret);
    const hit = this.entries.get(hash);
    let key: ResolvedKey | null;
    const age_ms = hit ? this.now_ms() - hit.fetched_ms : Infinity;
    // Refreshed in the background from half the TTL, so steady traffic never waits on the database,
    // while an entry older than the TTL is never used (revocation bound).
    if (age_ms < this.ttl_ms) {
      key = hit!.key;
      if (age_ms > this.ttl_ms / 2) void this.load(hash).catch(() => {});
    } else key = await this.load(hash);
    if (!key) throw new ServiceError("unauthenticated", "Incorrect or revoked API key provided.");
    return key;
  }

  private load(hash: string): Promise<ResolvedKey | null> {
    let p = this.inflight.get(hash);
    if (!p) {
      p = this.db
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
        .limit(1)
        .then(([row]) => {
          let key: ResolvedKey | null = null;
          if (row && !row.revokedAt) {
            const { revokedAt: _revoked, routingDefaults, ...rest } = row;
            const parsed = spotlanePreferences.safeParse(routingDefaults ?? {});
            key = { ...rest, routing_defaults: parsed.success ? parsed.data : null };
          }
          if (this.entries.size > 100_000) this.entries.clear();
          this.entries.set(hash, { key, fetched_ms: this.now_ms() });
          return key;
        })
        .finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, p);
    }
    return p;
  }
}
