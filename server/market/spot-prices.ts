import { and, gte, isNotNull } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { markets } from "../../db/schema";
import { marketKey, type MarketKey } from "./market-key";

/** A tick older than this means no process is clearing: callers fall back to the lowest live ask. */
export const SPOT_MAX_AGE_MS = 5_000;

export type SpotPrices = Map<MarketKey, bigint>;

/**
 * The cleared spot price of every market that has one and was ticked within `max_age_ms` of `now`.
 * Reads the one-row-per-market `markets` table, never the history, so it stays cheap at any age.
 */
export async function getSpotPrices(q: Queryable, now: Date, max_age_ms: number = SPOT_MAX_AGE_MS): Promise<SpotPrices> {
  const rows = await q
    .select({ model_id: markets.modelId, hardware_class: markets.hardwareClass, spot: markets.spotNanosPerSecond })
    .from(markets)
    .where(and(isNotNull(markets.spotNanosPerSecond), gte(markets.at, new Date(now.getTime() - max_age_ms))));
  return new Map(rows.map((r) => [marketKey(r.model_id, r.hardware_class), r.spot!]));
}
