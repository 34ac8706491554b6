/**
 * PURE supply and demand curves of one market (DESIGN §4). Prices are nano-USD per slot-second (bigint);
 * supply is counted in whole slots, demand in millislots (thousandths of a slot held continuously,
 * i.e. slot-milliseconds per second: arrival rate × mean hold time × 1000).
 */

/** One offer's contribution to supply. Only `live` offers (online, fresh heartbeat, verified) count. */
export type Ask = { ask_nanos_per_second: bigint; slots: number; live: boolean };

/** Slot demand at one bid level; `bid_nanos_per_second: null` = no bid, pays whatever the spot is. */
export type DemandLevel = { bid_nanos_per_second: bigint | null; demand_millislots: number };

/** Supply curve step: `cumulative_slots` live slots have an ask ≤ `price_nanos_per_second`. Ascending. */
export type SupplyStep = { price_nanos_per_second: bigint; cumulative_slots: number };

/** Demand curve step: `cumulative_millislots` of demand is willing to pay `price_nanos_per_second`. Descending. */
export type DemandStep = { price_nanos_per_second: bigint; cumulative_millislots: number };

export type DemandCurve = {
  /** Demand with no bid: willing to pay any price. */
  unbid_millislots: number;
  /** Finite bids aggregated per price, ascending, zero levels dropped. */
  bids_ascending: { bid_nanos_per_second: bigint; millislots: number }[];
  total_millislots: number;
};

const byPrice = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

/**
 * Indices of `prices` in ascending order (ties keep input order). Sorting is most of the engine's cost, so:
 * already-sorted input is detected in one pass; otherwise, when price × n + index stays below 2^53 (prices
 * up to ~$90,000 per second at 100 entries), each entry is packed into one exact float64 key and the typed
 * array is sorted natively (~2.5× faster than a bigint comparator); larger prices fall back to bigints.
 */
function orderByPrice(prices: readonly bigint[]): number[] {
  const n = prices.length;
  let sorted = true;
  let max = 0n;
  for (let i = 0; i < n; i++) {
    const p = prices[i]!;
    if (i > 0 && p < prices[i - 1]!) sorted = false;
    if (p > max) max = p;
  }
  if (sorted) return Array.from({ length: n }, (_, i) => i);
  if (max * BigInt(n) + BigInt(n) <= MAX_SAFE) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = Number(prices[i]!) * n + i;
    keys.sort();
    const order = new Array<number>(n);
    for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
    return order;
  }
  return Array.from({ length: n }, (_, i) => i).sort((x, y) => byPrice(prices[x]!, prices[y]!));
}

/** Live asks with slots, aggregated per price, ascending, with running totals. */
export function supplyCurve(asks: readonly Ask[]): SupplyStep[] {
  const prices: bigint[] = [];
  const slots: number[] = [];
  for (const a of asks) {
    assertCount(a.slots, "slots");
    if (a.ask_nanos_per_second < 0n) throw new RangeError("ask must be non-negative");
    if (a.live && a.slots > 0) {
      prices.push(a.ask_nanos_per_second);
      slots.push(a.slots);
    }
  }
  const steps: SupplyStep[] = [];
  let cumulative = 0;
  for (const i of orderByPrice(prices)) {
    const price = prices[i]!;
    cumulative += slots[i]!;
    const last = steps[steps.length - 1];
    if (last && last.price_nanos_per_second === price) last.cumulative_slots = cumulative;
    else steps.push({ price_nanos_per_second: price, cumulative_slots: cumulative });
  }
  return steps;
}

export function demandCurve(levels: readonly DemandLevel[]): DemandCurve {
  let unbid = 0;
  let total = 0;
  const prices: bigint[] = [];
  const amounts: number[] = [];
  for (const l of levels) {
    assertCount(l.demand_millislots, "demand_millislots");
    if (l.demand_millislots === 0) continue;
    total += l.demand_millislots;
    if (l.bid_nanos_per_second === null) unbid += l.demand_millislots;
    else {
      if (l.bid_nanos_per_second < 0n) throw new RangeError("bid must be non-negative");
      prices.push(l.bid_nanos_per_second);
      amounts.push(l.demand_millislots);
    }
  }
  const bids_ascending: DemandCurve["bids_ascending"] = [];
  for (const i of orderByPrice(prices)) {
    const last = bids_ascending[bids_ascending.length - 1];
    if (last && last.bid_nanos_per_second === prices[i]) last.millislots += amounts[i]!;
    else bids_ascending.push({ bid_nanos_per_second: prices[i]!, millislots: amounts[i]! });
  }
  return { unbid_millislots: unbid, bids_ascending, total_millislots: total };
}

/** Demand willing to pay `price`: no-bid demand plus every bid ≥ price. */
export function demandAt(curve: DemandCurve, price: bigint): number {
  let d = curve.unbid_millislots;
  for (const b of curve.bids_ascending) if (b.bid_nanos_per_second >= price) d += b.millislots;
  return d;
}

/** Live slots whose ask ≤ `price`. */
export function supplyAt(steps: readonly SupplyStep[], price: bigint): number {
  let s = 0;
  for (const step of steps) {
    if (step.price_nanos_per_second > price) break;
    s = step.cumulative_slots;
  }
  return s;
}

/** The demand curve as descending steps for depth charts: D(price) at each bid level, no-bid demand included. */
export function demandSteps(curve: DemandCurve): DemandStep[] {
  const steps: DemandStep[] = [];
  let cumulative = curve.unbid_millislots;
  for (let i = curve.bids_ascending.length - 1; i >= 0; i--) {
    const b = curve.bids_ascending[i]!;
    cumulative += b.millislots;
    steps.push({ price_nanos_per_second: b.bid_nanos_per_second, cumulative_millislots: cumulative });
  }
  return steps;
}
