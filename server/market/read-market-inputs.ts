import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { machines, markets, offers, requests, standingBids } from "../../db/schema";
import { HEARTBEAT_STALE_AFTER_MS } from "../providers/liveness";
import type { MarketInput } from "./clear";
import type { Ask, DemandLevel } from "./curves";
import { marketKey, type MarketKey } from "./market-key";

export type MarketBook = { model_id: string; hardware_class: string; input: MarketInput };

export type ReadMarketOptions = {
  now: Date;
  /** Recent demand is measured over [now − window, now): arrival rate × mean hold time = Σ compute_ms ÷ window. */
  demand_window_ms: number;
  /** Count only offers that passed canary verification (DESIGN §5); otherwise only suspended ones are left out. */
  require_verified: boolean;
  /** Restrict to one market (depth view); all markets otherwise. */
  only?: { model_id: string; hardware_class: string };
};

/** Σ compute_ms over the window → millislots (slot-ms per second), rounded to the nearest. */
export function holdMsToMillislots(hold_ms: number, window_ms: number): number {
  return Math.round((hold_ms * 1000) / window_ms);
}

type Row = Record<string, unknown>;
async function rows<T extends Row>(q: Queryable, query: SQL): Promise<T[]> {
  // Both drivers (node-postgres and PGlite) answer raw queries with `{ rows }`.
  return ((await q.execute<T>(query)) as { rows: T[] }).rows;
}

/**
 * Books travel as one row per market with its entries packed in a string ("price qty,price qty,…"):
 * at 100,000 entries a tick this is several times cheaper than one row per entry through the drivers'
 * row parsing. Entries are neither grouped nor ordered in SQL (a hash aggregate per market is all the
 * database does, no sort that spills to disk); the engine aggregates and sorts per market itself.
 */
function unpackLevels(packed: string | null): [string, string][] {
  if (!packed) return [];
  return packed.split(",").map((level) => level.split(" ") as [string, string]);
}

/**
 * Live supply per market: one entry per offer. Live = offer live, machine online with a fresh heartbeat
 * (the same rule as offerGateReasons), not suspended by verification, and verified when `require_verified`.
 */
async function readSupply(q: Queryable, opts: ReadMarketOptions) {
  const fresh = new Date(opts.now.getTime() - HEARTBEAT_STALE_AFTER_MS).toISOString();
  const verification = opts.require_verified ? sql`o.verification_status = 'verified'` : sql`o.verification_status <> 'suspended'`;
  const only = opts.only ? sql`and o.model_id = ${opts.only.model_id} and o.hardware_class = ${opts.only.hardware_class}` : sql``;
  return rows<{ model_id: string; hardware_class: string; levels: string | null }>(
    q,
    sql`select o.model_id, o.hardware_class, string_agg(o.ask_nanos_per_second::text || ' ' || o.slots::text, ',') as levels
        from ${offers} o join ${machines} m on m.id = o.machine_id
        where o.status = 'live' and m.status = 'online' and m.last_heartbeat_at >= ${fresh}::timestamptz and ${verification} ${only}
        group by 1, 2`,
  );
}

/**
 * Recent slot usage per market: total hold time (compute_ms) per bid level, a request's level being the bid
 * it ran under (its own, else its buyer's standing bid for the model); no bid → "pays spot" (packed as "-").
 * Requests are recorded when they finish, so in-flight ones count from the next tick.
 */
async function readDemand(q: Queryable, opts: ReadMarketOptions) {
  const since = new Date(opts.now.getTime() - opts.demand_window_ms).toISOString();
  const until = opts.now.toISOString();
  const only = opts.only ? sql`and r.model_id = ${opts.only.model_id} and r.hardware_class = ${opts.only.hardware_class}` : sql``;
  return rows<{ model_id: string; hardware_class: string; levels: string | null }>(
    q,
    // Summed per bid level in the database: one row per level reaches the tick, not one per request.
    sql`select t.model_id, t.hardware_class, string_agg(t.bid || ' ' || t.hold_ms::text, ',') as levels
        from (
          select r.model_id, r.hardware_class, coalesce(coalesce(r.bid_nanos_per_second, b.bid_nanos_per_second)::text, '-') as bid, sum(r.compute_ms)::bigint as hold_ms
            from ${requests} r left join ${standingBids} b on b.organization_id = r.organization_id and b.model_id = r.model_id
           where r.completed_at >= ${since}::timestamptz and r.completed_at < ${until}::timestamptz ${only}
           group by 1, 2, 3
        ) t
        group by 1, 2`,
  );
}

/** Last tick's spot per market: the previous price the move bound starts from, and markets to keep ticking. */
async function readPrevious(q: Queryable, opts: ReadMarketOptions) {
  const where = opts.only ? and(eq(markets.modelId, opts.only.model_id), eq(markets.hardwareClass, opts.only.hardware_class)) : undefined;
  return q.select({ model_id: markets.modelId, hardware_class: markets.hardwareClass, spot_nanos_per_second: markets.spotNanosPerSecond }).from(markets).where(where);
}

/**
 * Every market's book for one tick: markets with live supply, recent demand, or a price last tick (so a
 * market whose supply vanished records one last tick with no price, then drops out).
 */
export async function readMarketInputs(q: Queryable, opts: ReadMarketOptions): Promise<Map<MarketKey, MarketBook>> {
  const [supply, demand, previous] = await Promise.all([readSupply(q, opts), readDemand(q, opts), readPrevious(q, opts)]);
  const books = new Map<MarketKey, MarketBook & { asks: Ask[]; levels: DemandLevel[] }>();
  const book = (model_id: string, hardware_class: string) => {
    const key = marketKey(model_id, hardware_class);
    let b = books.get(key);
    if (!b) {
      const asks: Ask[] = [];
      const levels: DemandLevel[] = [];
      b = { model_id, hardware_class, asks, levels, input: { asks, demand: levels, previous_spot_nanos_per_second: null } };
      books.set(key, b);
    }
    return b;
  };
  for (const s of supply) {
    const asks = book(s.model_id, s.hardware_class).asks;
    for (const [ask, slots] of unpackLevels(s.levels)) asks.push({ ask_nanos_per_second: BigInt(ask), slots: Number(slots), live: true });
  }
  for (const d of demand) {
    // Σ hold time per bid level first, then one rounding per level (not per request).
    const holdByBid = new Map<string, number>();
    for (const [bid, hold_ms] of unpackLevels(d.levels)) holdByBid.set(bid, (holdByBid.get(bid) ?? 0) + Number(hold_ms));
    const levels = book(d.model_id, d.hardware_class).levels;
    for (const [bid, hold_ms] of holdByBid) {
      const demand_millislots = holdMsToMillislots(hold_ms, opts.demand_window_ms);
      if (demand_millislots > 0) levels.push({ bid_nanos_per_second: bid === "-" ? null : BigInt(bid), demand_millislots });
    }
  }
  for (const p of previous) {
    const key = marketKey(p.model_id, p.hardware_class);
    if (books.has(key)) books.get(key)!.input.previous_spot_nanos_per_second = p.spot_nanos_per_second;
    else if (p.spot_nanos_per_second !== null) book(p.model_id, p.hardware_class).input.previous_spot_nanos_per_second = p.spot_nanos_per_second;
  }
  return new Map([...books].map(([k, { model_id, hardware_class, input }]) => [k, { model_id, hardware_class, input }]));
}
