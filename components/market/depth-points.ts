import { nanosToUsdNumber } from "./units";

export type DepthInput = {
  spot_nanos_per_second: bigint | null;
  target_utilization_bps: number;
  supply: { price_nanos_per_second: bigint; cumulative_slots: number }[];
  demand: { price_nanos_per_second: bigint; cumulative_millislots: number }[];
  unbid_demand_millislots: number;
};

/** One x position of the depth chart: supply S(p), capacity S(p) × target, demand D(p), all in slots. */
export type DepthPoint = { price_usd: number; supply_slots: number; capacity_slots: number; demand_slots: number };

/**
 * Samples the two step curves at every price where either changes (plus the spot and a margin on each
 * side), so the chart draws them exactly: supply holds from its ask up (stepAfter), demand holds up to
 * its bid (stepBefore).
 */
export function depthPoints(d: DepthInput): DepthPoint[] {
  const prices = new Set<bigint>();
  for (const s of d.supply) prices.add(s.price_nanos_per_second);
  for (const s of d.demand) prices.add(s.price_nanos_per_second);
  if (d.spot_nanos_per_second !== null) prices.add(d.spot_nanos_per_second);
  if (prices.size === 0) return [];
  const sorted = [...prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lo = sorted[0]!;
  const hi = sorted[sorted.length - 1]!;
  const margin = (hi - lo) / 10n || hi / 10n || 1n;
  const xs = [lo - margin > 0n ? lo - margin : 0n, ...sorted, hi + margin];
  const supplyAt = (p: bigint) => {
    let s = 0;
    for (const step of d.supply) if (step.price_nanos_per_second <= p) s = step.cumulative_slots;
    return s;
  };
  const demandAt = (p: bigint) => {
    let m = d.unbid_demand_millislots;
    // Steps are descending with cumulative totals: the last one priced ≥ p has everything willing to pay p.
    for (const step of d.demand) if (step.price_nanos_per_second >= p) m = step.cumulative_millislots;
    return m / 1000;
  };
  return [...new Set(xs)].map((p) => {
    const supply_slots = supplyAt(p);
    return { price_usd: nanosToUsdNumber(p), supply_slots, capacity_slots: (supply_slots * d.target_utilization_bps) / 10_000, demand_slots: demandAt(p) };
  });
}
