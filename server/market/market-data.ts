import { and, asc, desc, eq, gte, lt, sql } from "drizzle-orm";
import { markets, marketTicks } from "../../db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { demandCurve, demandSteps, supplyCurve } from "./curves";
import { readMarketInputs } from "./read-market-inputs";
import { DEFAULT_TICK_CONFIG, type ClearingTickConfig } from "./run-clearing-tick";
import { SPOT_MAX_AGE_MS } from "./spot-prices";

/** Markets not ticked for this long drop off the list (their supply left long ago). */
const LIST_MAX_AGE_MS = 3_600_000;
/** History answers at most this span (the retention window) in at most ~HISTORY_POINTS buckets. */
export const HISTORY_MAX_SPAN_MS = 24 * 3_600_000;
const HISTORY_POINTS = 360;
/** Depth curves keep the levels nearest the spot; a book deeper than this is cut (and says so). */
const DEPTH_MAX_LEVELS = 200;

export type MarketState = {
  model_id: string;
  hardware_class: string;
  spot_nanos_per_second: bigint | null;
  lowest_ask_nanos_per_second: bigint | null;
  supply_slots: number;
  total_supply_slots: number;
  demand_millislots: number;
  total_demand_millislots: number;
  utilization: number;
  shortage: boolean;
  at: Date;
  /** No tick for a while: no process is clearing, routing uses lowest asks. */
  stale: boolean;
};

/** Every market's latest tick, busiest first. */
export async function listMarkets(ctx: ServiceContext): Promise<MarketState[]> {
  const now = ctx.now().getTime();
  const rows = await ctx.db
    .select()
    .from(markets)
    .where(gte(markets.at, new Date(now - LIST_MAX_AGE_MS)))
    .orderBy(desc(markets.totalDemandMillislots), asc(markets.modelId), asc(markets.hardwareClass));
  return rows.map((r) => ({
    model_id: r.modelId,
    hardware_class: r.hardwareClass,
    spot_nanos_per_second: r.spotNanosPerSecond,
    lowest_ask_nanos_per_second: r.lowestAskNanosPerSecond,
    supply_slots: r.supplySlots,
    total_supply_slots: r.totalSupplySlots,
    demand_millislots: r.demandMillislots,
    total_demand_millislots: r.totalDemandMillislots,
    utilization: r.utilization,
    shortage: r.shortage,
    at: r.at,
    stale: now - r.at.getTime() > SPOT_MAX_AGE_MS,
  }));
}

export type HistoryPoint = {
  at: Date;
  /** Mean spot over the bucket (null when the market had no price all bucket). */
  spot_nanos_per_second: bigint | null;
  max_spot_nanos_per_second: bigint | null;
  supply_slots: number;
  total_supply_slots: number;
  demand_millislots: number;
  total_demand_millislots: number;
  utilization: number;
};

/** Bucket width for a span: whole seconds, at most HISTORY_POINTS buckets. */
export function historyBucketMs(span_ms: number): number {
  return Math.max(1, Math.ceil(span_ms / HISTORY_POINTS / 1000)) * 1000;
}

/**
 * A market's price history over [since, until), averaged into at most ~360 buckets. The span is limited to
 * the retention window, so every answer is a bounded index range scan on (model, hardware, at).
 */
export async function marketHistory(ctx: ServiceContext, input: { model_id: string; hardware_class: string; since: Date; until?: Date }): Promise<{ bucket_ms: number; points: HistoryPoint[] }> {
  const until = input.until ?? ctx.now();
  const span_ms = until.getTime() - input.since.getTime();
  if (span_ms <= 0) throw new ServiceError("invalid_input", "`since` must be before `until`.", { param: "since" });
  if (span_ms > HISTORY_MAX_SPAN_MS) throw new ServiceError("invalid_input", "History spans at most 24 hours.", { param: "since" });
  const bucket_ms = historyBucketMs(span_ms);
  // Inlined (an integer we computed), not a parameter: GROUP BY must see the same expression as SELECT.
  const bucket = sql<number>`floor(extract(epoch from ${marketTicks.at}) * 1000 / ${sql.raw(String(Math.trunc(bucket_ms)))})`.mapWith(Number);
  const rows = await ctx.db
    .select({
      bucket,
      spot: sql<string | null>`round(avg(${marketTicks.spotNanosPerSecond}))::bigint::text`,
      max_spot: sql<string | null>`max(${marketTicks.spotNanosPerSecond})::text`,
      supply_slots: sql<number>`avg(${marketTicks.supplySlots})::float8`.mapWith(Number),
      total_supply_slots: sql<number>`avg(${marketTicks.totalSupplySlots})::float8`.mapWith(Number),
      demand_millislots: sql<number>`avg(${marketTicks.demandMillislots})::float8`.mapWith(Number),
      total_demand_millislots: sql<number>`avg(${marketTicks.totalDemandMillislots})::float8`.mapWith(Number),
      utilization: sql<number>`avg(${marketTicks.utilization})::float8`.mapWith(Number),
    })
    .from(marketTicks)
    .where(and(eq(marketTicks.modelId, input.model_id), eq(marketTicks.hardwareClass, input.hardware_class), gte(marketTicks.at, input.since), lt(marketTicks.at, until)))
    .groupBy(bucket)
    .orderBy(bucket);
  return {
    bucket_ms,
    points: rows.map((r) => ({
      at: new Date(r.bucket * bucket_ms),
      spot_nanos_per_second: r.spot === null ? null : BigInt(r.spot),
      max_spot_nanos_per_second: r.max_spot === null ? null : BigInt(r.max_spot),
      supply_slots: r.supply_slots,
      total_supply_slots: r.total_supply_slots,
      demand_millislots: r.demand_millislots,
      total_demand_millislots: r.total_demand_millislots,
      utilization: r.utilization,
    })),
  };
}

export type MarketDepth = {
  model_id: string;
  hardware_class: string;
  spot_nanos_per_second: bigint | null;
  target_utilization_bps: number;
  /** Ascending: at `price`, `cumulative_slots` live slots have an ask ≤ price. */
  supply: { price_nanos_per_second: bigint; cumulative_slots: number }[];
  /** Descending: at `price`, `cumulative_millislots` of demand is willing to pay it (no-bid demand included). */
  demand: { price_nanos_per_second: bigint; cumulative_millislots: number }[];
  /** Demand with no bid: pays any price, so it sits under the whole demand curve. */
  unbid_demand_millislots: number;
  truncated: boolean;
};

/**
 * The market's book right now, aggregated per price level (no provider or buyer identities): the supply
 * and demand curves the clearing engine sees, read with the same rules as the tick.
 */
export async function marketDepth(ctx: ServiceContext, input: { model_id: string; hardware_class: string }, config: ClearingTickConfig = DEFAULT_TICK_CONFIG): Promise<MarketDepth> {
  const books = await readMarketInputs(ctx.db, { now: ctx.now(), demand_window_ms: config.demand_window_ms, require_verified: config.require_verified, only: input });
  const book = [...books.values()][0];
  const [current] = await ctx.db
    .select({ spot: markets.spotNanosPerSecond })
    .from(markets)
    .where(and(eq(markets.modelId, input.model_id), eq(markets.hardwareClass, input.hardware_class)));
  const supply = supplyCurve(book?.input.asks ?? []);
  const curve = demandCurve(book?.input.demand ?? []);
  const demand = demandSteps(curve);
  const truncated = supply.length > DEPTH_MAX_LEVELS || demand.length > DEPTH_MAX_LEVELS;
  return {
    ...input,
    spot_nanos_per_second: current?.spot ?? null,
    target_utilization_bps: config.settings.target_utilization_bps,
    // The cheapest supply and the highest bids are the levels that decide the price.
    supply: supply.slice(0, DEPTH_MAX_LEVELS),
    demand: demand.slice(0, DEPTH_MAX_LEVELS),
    unbid_demand_millislots: curve.unbid_millislots,
    truncated,
  };
}
