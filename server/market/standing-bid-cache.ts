import { eq } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { standingBids } from "../../db/schema";

/**
 * Organizations' standing bids for the gateway's hot path: each organization's bids are read once
 * and kept for `ttl_ms`, so a change in the dashboard applies within that time without a database
 * read per request.
 */
export class StandingBidCache {
  private orgs = new Map<string, { bids: Map<string, bigint>; loaded_ms: number; loading: Promise<Map<string, bigint>> | null }>();

  constructor(
    private db: Queryable,
    private now_ms: () => number,
    private ttl_ms = 1_000,
  ) {}

  /** The organization's standing bid for exactly this model id, or null. */
  async get(organizationId: string, modelId: string): Promise<bigint | null> {
    let entry = this.orgs.get(organizationId);
    if (!entry || this.now_ms() - entry.loaded_ms > this.ttl_ms) {
      if (!entry) {
        entry = { bids: new Map(), loaded_ms: -Infinity, loading: null };
        this.orgs.set(organizationId, entry);
      }
      const e = entry;
      e.loading ??= this.db
        .select({ modelId: standingBids.modelId, bid: standingBids.bidNanosPerSecond })
        .from(standingBids)
        .where(eq(standingBids.organizationId, organizationId))
        .then((rows) => {
          e.bids = new Map(rows.map((r) => [r.modelId, r.bid]));
          e.loaded_ms = this.now_ms();
          return e.bids;
        })
        .finally(() => {
          e.loading = null;
        });
      await e.loading;
    }
    return entry.bids.get(modelId) ?? null;
  }
}
