import { buyerPrice, clearMarket, DEFAULT_CLEARING_SETTINGS, maxMoveNanos, offerServes, type ClearingResult, type ClearingSettings } from "./clear";
import type { Ask, DemandLevel } from "./curves";

/**
 * A seeded market simulation through the real clearing engine (pure: no database, no clock). Providers
 * come and go, buyers with and without standing bids send load, and demand shocks hit. Demand is
 * measured the way the tick measures it — slot time actually served over a sliding window — so a
 * buyer priced out stops contributing demand until the price falls back under its bid.
 */

/** The router's engine-queue bound (server/router/route.ts MAX_QUEUE_FACTOR), mirrored to keep this module pure. */
const QUEUE_FACTOR = 4;

export type SimProvider = { id: string; ask_nanos_per_second: bigint; slots: number; joins_at_s: number; leaves_at_s: number };
export type SimBuyer = { id: string; bid_nanos_per_second: bigint | null; base_slots: number };
export type SimShock = { label: string; from_s: number; to_s: number; /** Multiplies every bidless buyer's load. */ factor: number };
export type SimEvent = { at_s: number; label: string };

export type SimScenario = {
  duration_s: number;
  /** The tick's demand window: served slot time over the last `window_s` seconds. */
  window_s: number;
  providers: SimProvider[];
  buyers: SimBuyer[];
  shocks: SimShock[];
  settings: ClearingSettings;
};

export type SimTick = {
  t_s: number;
  result: ClearingResult;
  spot_nanos_per_second: bigint | null;
  lowest_ask_nanos_per_second: bigint | null;
  /** What buyers wanted this second, slots (served or not). */
  wanted_slots: number;
  /** What was served this second: wanted by buyers whose bid covers the spot, up to the queue bound. */
  served_slots: number;
  /** Buyers refused this second because the spot was above their bid. */
  priced_out_buyers: number;
};

export type SimReport = { scenario: SimScenario; events: SimEvent[]; ticks: SimTick[]; violations: string[] };

/** mulberry32: tiny, seedable, good enough for load noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The default story: a calm market, a demand surge, providers leaving mid-surge, recovery, newcomers. */
export function defaultScenario(seed: number): SimScenario {
  const random = seededRandom(seed);
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const providers: SimProvider[] = [];
  // Twelve providers with asks spread around $0.0001/s (cheaper ones first), 2–8 slots each.
  for (let i = 0; i < 12; i++) {
    const ask = BigInt(Math.round(between(70_000, 100_000) * (1 + i * 0.06)));
    providers.push({ id: `p${i + 1}`, ask_nanos_per_second: ask, slots: 2 + Math.floor(random() * 7), joins_at_s: 0, leaves_at_s: Infinity });
  }
  // Three of the cheapest leave at 240 s; two newcomers with low asks join at 420 s.
  for (const p of providers.slice(0, 3)) p.leaves_at_s = 240;
  providers.push({ id: "n1", ask_nanos_per_second: 80_000n, slots: 6, joins_at_s: 420, leaves_at_s: Infinity });
  providers.push({ id: "n2", ask_nanos_per_second: 85_000n, slots: 6, joins_at_s: 420, leaves_at_s: Infinity });

  const buyers: SimBuyer[] = [];
  for (let i = 0; i < 20; i++) {
    // 60% hold a standing bid between 1.1× and 2× of a typical ask; the rest pay spot.
    const bid = random() < 0.6 ? BigInt(Math.round(between(110_000, 200_000))) : null;
    buyers.push({ id: `b${i + 1}`, bid_nanos_per_second: bid, base_slots: between(0.5, 2) });
  }
  return {
    duration_s: 600,
    window_s: 30,
    providers,
    buyers,
    shocks: [{ label: "demand surge ×2.5", from_s: 120, to_s: 300, factor: 2.5 }],
    settings: DEFAULT_CLEARING_SETTINGS,
  };
}

export function simulateMarket(scenario: SimScenario, seed: number): SimReport {
  const random = seededRandom(seed ^ 0x9e3779b9);
  const events: SimEvent[] = [];
  for (const s of scenario.shocks) events.push({ at_s: s.from_s, label: `${s.label} starts` }, { at_s: s.to_s, label: `${s.label} ends` });
  const leaves = new Map<number, string[]>();
  const joins = new Map<number, string[]>();
  for (const p of scenario.providers) {
    if (Number.isFinite(p.leaves_at_s)) leaves.set(p.leaves_at_s, [...(leaves.get(p.leaves_at_s) ?? []), p.id]);
    if (p.joins_at_s > 0) joins.set(p.joins_at_s, [...(joins.get(p.joins_at_s) ?? []), p.id]);
  }
  for (const [at_s, ids] of leaves) events.push({ at_s, label: `${ids.length} providers leave` });
  for (const [at_s, ids] of joins) events.push({ at_s, label: `${ids.length} providers join` });
  events.sort((a, b) => a.at_s - b.at_s);

  // Served slot-seconds per buyer per past second, for the sliding demand window.
  const served: number[][] = scenario.buyers.map(() => []);
  const ticks: SimTick[] = [];
  const violations: string[] = [];
  let previous: bigint | null = null;
  // Each buyer's load wanders (mean-reverting noise) so the demand curve is never perfectly flat.
  const wander = scenario.buyers.map(() => 1);

  for (let t = 0; t < scenario.duration_s; t++) {
    const asks: Ask[] = scenario.providers
      .filter((p) => p.joins_at_s <= t && t < p.leaves_at_s)
      .map((p) => ({ ask_nanos_per_second: p.ask_nanos_per_second, slots: p.slots, live: true }));
    const demand: DemandLevel[] = scenario.buyers.map((b, i) => {
      const window = served[i]!.slice(-scenario.window_s);
      const held = window.reduce((s, x) => s + x, 0) / scenario.window_s;
      return { bid_nanos_per_second: b.bid_nanos_per_second, demand_millislots: Math.round(held * 1000) };
    });
    const result = clearMarket({ asks, demand, previous_spot_nanos_per_second: previous }, scenario.settings);
    const spot = result.spot_nanos_per_second;

    // Invariants, checked every tick of the run.
    if (spot !== null && result.lowest_ask_nanos_per_second !== null && spot < result.lowest_ask_nanos_per_second) violations.push(`t=${t}: spot below the lowest ask`);
    if (previous !== null && spot !== null) {
      const step = maxMoveNanos(previous, result.reference_nanos_per_second!, scenario.settings.max_move_bps);
      const jump = spot > previous ? spot - previous : previous - spot;
      if (jump > step && spot !== result.lowest_ask_nanos_per_second) violations.push(`t=${t}: moved ${jump} > ${step}`);
    }

    // This second's load: buyers whose bid covers the spot are served. Beyond the serving slots requests
    // queue in the engines (up to the router's MAX_QUEUE_FACTOR × slots), and queued time is held slot
    // time too — as in the real tick, whose compute_ms runs from dispatch to the last byte.
    const shock = scenario.shocks.filter((s) => s.from_s <= t && t < s.to_s).reduce((f, s) => f * s.factor, 1);
    let wanted = 0;
    let pricedOut = 0;
    const wants = scenario.buyers.map((b, i) => {
      wander[i] = Math.max(0.3, wander[i]! + (random() - 0.5) * 0.1 + (1 - wander[i]!) * 0.05);
      const w = b.base_slots * wander[i] * (b.bid_nanos_per_second === null ? shock : 1);
      wanted += w;
      const price = buyerPrice(spot, b.bid_nanos_per_second);
      if (price === null) {
        if (spot !== null) pricedOut += 1;
        return 0;
      }
      if (b.bid_nanos_per_second !== null && price > b.bid_nanos_per_second) violations.push(`t=${t}: ${b.id} charged above its bid`);
      return w;
    });
    const capacity = asks.filter((a) => offerServes(a.ask_nanos_per_second, spot)).reduce((s, a) => s + a.slots, 0);
    for (const a of asks) if (offerServes(a.ask_nanos_per_second, spot) && a.ask_nanos_per_second > spot!) violations.push(`t=${t}: a provider earns below its ask`);
    const want = wants.reduce((s, w) => s + w, 0);
    const scale = want > capacity * QUEUE_FACTOR ? (capacity * QUEUE_FACTOR) / want : 1;
    let servedNow = 0;
    wants.forEach((w, i) => {
      served[i]!.push(w * scale);
      servedNow += w * scale;
    });

    ticks.push({ t_s: t, result, spot_nanos_per_second: spot, lowest_ask_nanos_per_second: result.lowest_ask_nanos_per_second, wanted_slots: wanted, served_slots: servedNow, priced_out_buyers: pricedOut });
    previous = spot;
  }
  return { scenario, events, ticks, violations };
}
