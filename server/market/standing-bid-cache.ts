import { eq } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { standingBids } from "../../db/schema";
import { RefreshingMap } from "../../lib/refreshing-value";

/**
 * Organizations' standing bids for the gateway's hot path: each organization's bids are read once,
 * reloaded in the background from half of `ttl_ms` and never used past `ttl_ms` after their read
 * started, so a change in the dashboard applies within that time without a database read per request.
 */
export class StandingBidCache {
  private orgs: RefreshingMap<string, Map<string, bigint>>;

  constructor(db: Queryable, now_ms: () => number, ttl_ms = 1_000) {
    this.orgs = new RefreshingMap({
      load: async (organizationId) => {
        const rows = await db
          .select({ modelId: standingBids.modelId, bid: standingBids.bidNanosPerSecond })
          .from(standingBids)
          .where(eq(standingBids.organizationId, organizationId));
        return new Map(rows.map((r) => [r.modelId, r.bid]));
      },
      now_ms,
      refresh_ms: ttl_ms / 2,
      max_stale_ms: ttl_ms,
    });
  }

  /** The organization's standing bid for exactly this model id, or null. */
  async get(organizationId: string, modelId: string): Promise<bigint | null> {
    return (await this.orgs.get(organizationId)).get(modelId) ?? null;
  }
}
