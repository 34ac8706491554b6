import { demandCurve, supplyCurve, type Ask, type DemandCurve, type DemandLevel, type SupplyStep } from "./curves";

/**
 * PURE clearing of one market (model × hardware class) for one tick (DESIGN §4). No database, no clock:
 * everything it needs is in its arguments, so it is property-tested and benchmarked on its own.
 *
 * The rule, in order:
 *  1. Supply S(p) = live slots with ask ≤ p; T = all live slots. Demand D(p) = millislots whose bid ≥ p,
 *     plus all demand that has no bid. Capacity at a price is S(p) × target utilization (< 100%: headroom).
 *  2. Reference (depth) price = the lowest ask at which S(p) ≥ depth share × T. It is what one offer
 *     cannot own: an offer of s slots moves it only by what s slots of the curve justify, where the
 *     lowest ask alone would let one 1-slot offer at 1 nano set the market's price (issue #8).
 *  3. Target = the lowest price p ≥ the lowest live ask at which S(p) covers
 *     required(p) = max(D(p) ÷ target utilization, depth share × T). Both conditions only get easier as p
 *     rises, so target = max(reference, lowest price covering demand). No demand → the reference.
 *     Prices are integers, so "just above a bid" is bid + 1 nano.
 *  4. Shortage: if no price covers demand (demand with no bid exceeds all live capacity at target) the
 *     target is the ceiling, `ceiling_multiple` × the ceiling anchor: the lowest ask at which
 *     `ceiling_share_bps` (half) of the live slots are available; a covering target above the ceiling is
 *     capped there too. The anchor is a deeper share than the reference because a low ceiling blocks
 *     supply outright: anchored on the reference, an offer with just over a quarter of the slots at
 *     1 nano would cap the market at 10 nanos, and demand past its capacity could never bring the rest
 *     of the market back. Asks above the ceiling never serve: outliers cannot price a shortage.
 *  5. Bounded move: spot = target clamped to previous ± max(1 nano, max(previous, reference) ×
 *     max_move_bps). Anchoring on the reference too lets a spot left far below the market's depth (say
 *     1 nano, by the old rule or by cheap supply that left) climb back within about 10,000 ÷ max_move_bps
 *     ticks (20 at 5%) instead of crawling up from 1 nano for minutes; falls are anchored on the previous
 *     spot as before (target ≥ reference, so a falling spot is above it). It stays a bound rather than a
 *     jump so the larger shares that can move the reference still only move the spot gradually. Without
 *     a previous spot the previous is the reference.
 *  6. Floor: spot is raised to the lowest live ask if below it, even past the move bound, so something
 *     can always serve. Only offers with ask ≤ spot serve; only demand with bid ≥ spot (or none) is served.
 *
 * Every step is monotone in demand, so the spot never falls when demand rises (same previous spot); it
 * never falls when asks rise or supply priced below the reference leaves (see clear.test.ts).
 */

export type ClearingSettings = {
  /** Share of live slots the market aims to keep busy, in basis points; below 10,000 for latency headroom. */
  target_utilization_bps: number;
  /** Largest move per tick in basis points of max(previous spot, reference price) (1..10,000); at least 1 nano. */
  max_move_bps: number;
  /**
   * Share of the market's live slots that must be available at the reference price, in basis points
   * (1..10,000): the depth no single offer smaller than this share can undercut.
   */
  depth_share_bps: number;
  /** Share of live slots available at the ceiling anchor, in basis points (depth_share_bps..10,000). */
  ceiling_share_bps: number;
  /** The target never exceeds this multiple of the ceiling anchor (integer ≥ 1): the shortage ceiling. */
  ceiling_multiple: number;
};

export const DEFAULT_CLEARING_SETTINGS: ClearingSettings = {
  target_utilization_bps: 8_000,
  max_move_bps: 500,
  depth_share_bps: 2_500,
  ceiling_share_bps: 5_000,
  ceiling_multiple: 10,
};

export type MarketInput = {
  asks: readonly Ask[];
  demand: readonly DemandLevel[];
  /** The last tick's spot; null before the first tick or while the market had no supply. */
  previous_spot_nanos_per_second: bigint | null;
};

export type LimitedBy = "max_move" | "ceiling" | "lowest_ask" | null;

export type ClearingResult = {
  /** Null when the market has no live supply (nothing can serve, there is no price). */
  spot_nanos_per_second: bigint | null;
  /** The price the rule asks for before the move bound and floor; null in a shortage or without supply. */
  target_nanos_per_second: bigint | null;
  lowest_ask_nanos_per_second: bigint | null;
  /** The lowest ask at which depth share × all live slots is available (step 2); null without supply. */
  reference_nanos_per_second: bigint | null;
  ceiling_nanos_per_second: bigint | null;
  /** Live slots with ask ≤ spot: the capacity that serves. */
  supply_slots: number;
  total_supply_slots: number;
  /** Demand willing to pay the spot (bid ≥ spot or no bid), millislots; 0 without supply. */
  demand_millislots: number;
  total_demand_millislots: number;
  /** demand ÷ supply at spot (fraction; above 1 = requests queue); 0 without supply. */
  utilization: number;
  /** No price up to the ceiling covers the demand: the spot is heading to the ceiling. */
  shortage: boolean;
  /** What moved the spot away from the target this tick. */
  limited_by: LimitedBy;
};

export function validateSettings(s: ClearingSettings): void {
  if (!Number.isInteger(s.target_utilization_bps) || s.target_utilization_bps < 1 || s.target_utilization_bps >= 10_000) {
    throw new RangeError(`target_utilization_bps must be 1..9999, got ${s.target_utilization_bps}`);
  }
  // Above 100% a falling move could go negative and the clamp would stop being monotone in the previous spot.
  if (!Number.isInteger(s.max_move_bps) || s.max_move_bps < 1 || s.max_move_bps > 10_000) throw new RangeError(`max_move_bps must be 1..10000, got ${s.max_move_bps}`);
  // Above 100% the reference would need more slots than exist; 0 would hand the price to the lowest ask again.
  if (!Number.isInteger(s.depth_share_bps) || s.depth_share_bps < 1 || s.depth_share_bps > 10_000) throw new RangeError(`depth_share_bps must be 1..10000, got ${s.depth_share_bps}`);
  // At least the depth share, so the ceiling is never below the reference (and so never below a quiet target).
  if (!Number.isInteger(s.ceiling_share_bps) || s.ceiling_share_bps < s.depth_share_bps || s.ceiling_share_bps > 10_000) {
    throw new RangeError(`ceiling_share_bps must be depth_share_bps..10000, got ${s.ceiling_share_bps}`);
  }
  if (!Number.isInteger(s.ceiling_multiple) || s.ceiling_multiple < 1) throw new RangeError(`ceiling_multiple must be an integer ≥ 1, got ${s.ceiling_multiple}`);
}

/** Largest move allowed from `previous` in one tick: a share of the previous spot or the reference, whichever is larger. */
export function maxMoveNanos(previous: bigint, reference: bigint, max_move_bps: number): bigint {
  const anchor = previous > reference ? previous : reference;
  const step = (anchor * BigInt(max_move_bps)) / 10_000n;
  return step < 1n ? 1n : step;
}

/** S of T slots hold a share: S × 10,000 ≥ share_bps × T, in exact integers. */
function holdsShare(slots: number, total_slots: number, share_bps: number): boolean {
  return slots * 10_000 >= share_bps * total_slots;
}

/**
 * The depth price of a share: the lowest ask at which share × all live slots is available, or null without
 * supply (the reference at depth_share_bps, the ceiling anchor at ceiling_share_bps). Adding an offer of s
 * slots changes which slot of the curve this is by at most s, so an offer smaller than the share can
 * never set it alone.
 */
export function depthPrice(supply: readonly SupplyStep[], share_bps: number): bigint | null {
  if (supply.length === 0) return null;
  const total = supply[supply.length - 1]!.cumulative_slots;
  for (const step of supply) if (holdsShare(step.cumulative_slots, total, share_bps)) return step.price_nanos_per_second;
  return supply[supply.length - 1]!.price_nanos_per_second;
}

/** S slots at target utilization cover D millislots: S × 1000 × u_bps ≥ D × 10,000, in exact integers. */
function covers(slots: number, millislots: number, target_utilization_bps: number): boolean {
  return slots * 1000 * target_utilization_bps >= millislots * 10_000;
}

/**
 * The lowest p ≥ the lowest ask with S(p) × target ≥ D(p), or null if none. S only steps up at asks and
 * D only steps down just above a bid, so the answer is an ask or a bid + 1: sweep those in order.
 */
export function lowestCoveringPrice(supply: readonly SupplyStep[], demand: DemandCurve, target_utilization_bps: number): bigint | null {
  if (supply.length === 0) return null;
  const bids = demand.bids_ascending;
  let i = 0; // supply steps priced ≤ p
  let j = 0; // bid levels priced < p (priced out)
  let pricedOut = 0;
  let p = supply[0]!.price_nanos_per_second;
  for (;;) {
    while (i < supply.length && supply[i]!.price_nanos_per_second <= p) i++;
    while (j < bids.length && bids[j]!.bid_nanos_per_second < p) pricedOut += bids[j++]!.millislots;
    if (covers(supply[i - 1]!.cumulative_slots, demand.total_millislots - pricedOut, target_utilization_bps)) return p;
    const nextAsk = i < supply.length ? supply[i]!.price_nanos_per_second : null;
    const nextBid = j < bids.length ? bids[j]!.bid_nanos_per_second + 1n : null;
    if (nextAsk === null && nextBid === null) return null;
    p = nextAsk === null ? nextBid! : nextBid === null ? nextAsk : nextAsk < nextBid ? nextAsk : nextBid;
  }
}

export function clearMarket(input: MarketInput, settings: ClearingSettings): ClearingResult {
  validateSettings(settings);
  const supply = supplyCurve(input.asks);
  const demand = demandCurve(input.demand);
  if (supply.length === 0) {
    return {
      spot_nanos_per_second: null,
      target_nanos_per_second: null,
      lowest_ask_nanos_per_second: null,
      reference_nanos_per_second: null,
      ceiling_nanos_per_second: null,
      supply_slots: 0,
      total_supply_slots: 0,
      demand_millislots: 0,
      total_demand_millislots: demand.total_millislots,
      utilization: 0,
      shortage: demand.total_millislots > 0,
      limited_by: null,
    };
  }
  const lowestAsk = supply[0]!.price_nanos_per_second;
  const reference = depthPrice(supply, settings.depth_share_bps)!;
  const ceiling = depthPrice(supply, settings.ceiling_share_bps)! * BigInt(settings.ceiling_multiple);
  // Both conditions hold from some price up, so the lowest price meeting both is the larger of the two.
  const covering = demand.total_millislots === 0 ? lowestAsk : lowestCoveringPrice(supply, demand, settings.target_utilization_bps);
  const target = covering === null ? null : covering > reference ? covering : reference;
  const shortage = target === null || target > ceiling;

  let spot = shortage ? ceiling : target;
  let limited_by: LimitedBy = shortage ? "ceiling" : null;
  const previous = input.previous_spot_nanos_per_second ?? reference;
  const step = maxMoveNanos(previous, reference, settings.max_move_bps);
  if (spot > previous + step) {
    spot = previous + step;
    limited_by = "max_move";
  } else if (spot < previous - step) {
    spot = previous - step;
    limited_by = "max_move";
  }
  if (spot < lowestAsk) {
    spot = lowestAsk;
    limited_by = "lowest_ask";
  }

  let supply_slots = 0;
  for (const s of supply) {
    if (s.price_nanos_per_second > spot) break;
    supply_slots = s.cumulative_slots;
  }
  let demand_millislots = demand.unbid_millislots;
  for (const b of demand.bids_ascending) if (b.bid_nanos_per_second >= spot) demand_millislots += b.millislots;
  return {
    spot_nanos_per_second: spot,
    target_nanos_per_second: target,
    lowest_ask_nanos_per_second: lowestAsk,
    reference_nanos_per_second: reference,
    ceiling_nanos_per_second: ceiling,
    supply_slots,
    total_supply_slots: supply[supply.length - 1]!.cumulative_slots,
    demand_millislots,
    total_demand_millislots: demand.total_millislots,
    utilization: demand_millislots / (supply_slots * 1000),
    shortage,
    limited_by,
  };
}

/** Whether an offer serves at `spot`: a provider never earns below its ask. */
export function offerServes(ask_nanos_per_second: bigint, spot_nanos_per_second: bigint | null): boolean {
  return spot_nanos_per_second !== null && ask_nanos_per_second <= spot_nanos_per_second;
}

/** The price a buyer pays at `spot`, or null if the spot is above their bid: a buyer never pays above it. */
export function buyerPrice(spot_nanos_per_second: bigint | null, bid_nanos_per_second: bigint | null): bigint | null {
  if (spot_nanos_per_second === null) return null;
  return bid_nanos_per_second === null || spot_nanos_per_second <= bid_nanos_per_second ? spot_nanos_per_second : null;
}
