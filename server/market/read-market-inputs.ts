import { and, asc, eq, gte, lt, ne, sql, type SQL } from "drizzle-orm";
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

/**
 * Live supply per market and price, aggregated in the database and ordered by ask (the engine's sorted
 * fast path). Live = offer live, machine online with a fresh heartbeat (the same rule as
 * offerGateReasons), not suspended by verification, and verified when `require_verified`.
 */
async function readSupply(q: Queryable, opts: ReadMarketOptions) {
  const conditions: SQL[] = [
    eq(offers.status, "live"),
    eq(machines.status, "online"),
    gte(machines.lastHeartbeatAt, new Date(opts.now.getTime() - HEARTBEAT_STALE_AFTER_MS)),
    opts.require_verified ? eq(offers.verificationStatus, "verified") : ne(offers.verificationStatus, "suspended"),
  ];
  if (opts.only) conditions.push(eq(offers.modelId, opts.only.model_id), eq(offers.hardwareClass, opts.only.hardware_class));
  return q
    .select({ model_id: offers.modelId, hardware_class: offers.hardwareClass, ask_nanos_per_second: offers.askNanosPerSecond, slots: sql<number>`sum(${offers.slots})::int`.mapWith(Number) })
    .from(offers)
    .innerJoin(machines, eq(machines.id, offers.machineId))
    .where(and(...conditions))
    .groupBy(offers.modelId, offers.hardwareClass, offers.askNanosPerSecond)
    .orderBy(asc(offers.modelId), asc(offers.hardwareClass), asc(offers.askNanosPerSecond));
}

/**
 * Recent slot usage per market and bid level: each request's hold time at its buyer's standing bid for
 * the model (none → "pays spot"). Requests are recorded when they finish, so in-flight ones count next tick.
 */
async function readDemand(q: Queryable, opts: ReadMarketOptions) {
  const conditions: SQL[] = [gte(requests.completedAt, new Date(opts.now.getTime() - opts.demand_window_ms)), lt(requests.completedAt, opts.now)];
  if (opts.only) conditions.push(eq(requests.modelId, opts.only.model_id), eq(requests.hardwareClass, opts.only.hardware_class));
  return q
    .select({
      model_id: requests.modelId,
      hardware_class: requests.hardwareClass,
      bid_nanos_per_second: standingBids.bidNanosPerSecond,
      hold_ms: sql<number>`sum(${requests.computeMs})::float8`.mapWith(Number),
    })
    .from(requests)
    .leftJoin(standingBids, and(eq(standingBids.organizationId, requests.organizationId), eq(standingBids.modelId, requests.modelId)))
    .where(and(...conditions))
    .groupBy(requests.modelId, requests.hardwareClass, standingBids.bidNanosPerSecond)
    .orderBy(asc(requests.modelId), asc(requests.hardwareClass), asc(standingBids.bidNanosPerSecond));
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
  for (const s of supply) book(s.model_id, s.hardware_class).asks.push({ ask_nanos_per_second: s.ask_nanos_per_second, slots: s.slots, live: true });
  for (const d of demand) {
    const demand_millislots = holdMsToMillislots(d.hold_ms, opts.demand_window_ms);
    if (demand_millislots > 0) book(d.model_id, d.hardware_class).levels.push({ bid_nanos_per_second: d.bid_nanos_per_second, demand_millislots });
  }
  for (const p of previous) {
    const key = marketKey(p.model_id, p.hardware_class);
    if (books.has(key)) books.get(key)!.input.previous_spot_nanos_per_second = p.spot_nanos_per_second;
    else if (p.spot_nanos_per_second !== null) book(p.model_id, p.hardware_class).input.previous_spot_nanos_per_second = p.spot_nanos_per_second;
  }
  return new Map([...books].map(([k, { model_id, hardware_class, input }]) => [k, { model_id, hardware_class, input }]));
}
