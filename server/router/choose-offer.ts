/**
 * PURE routing decision for one request (DESIGN §4): no database, no clock, randomness injected.
 * Spot price per market is the lowest live ask until the clearing engine lands (the "no demand →
 * lowest ask" rule); only offers whose ask ≤ spot serve, and the buyer never pays above their bid.
 */
export type Candidate = {
  offerId: string;
  ask_nanos_per_second: bigint;
  slots: number;
  /** Requests this gateway has in flight on the offer (the engine queues what exceeds its slots). */
  inflight: number;
  /** Gate reasons computed by the caller (stale heartbeat, withdrawn, …); non-empty excludes it. */
  gateReasons: string[];
};

export type RouteRejection = { offerId: string; reason: string };

export type RouteDecision =
  | { ok: true; offerId: string; price_nanos_per_second: bigint; rejected: RouteRejection[] }
  | { ok: false; reason: "no_live_offer" | "price_above_bid" | "all_queues_full"; spot_nanos_per_second: bigint | null; rejected: RouteRejection[] };

/** How deep the engine-side queue may get, in multiples of slots, before we refuse. */
export const MAX_QUEUE_FACTOR = 4;

export function chooseOffer(candidates: Candidate[], request: { max_price_nanos_per_second?: bigint }, random: () => number): RouteDecision {
  const rejected: RouteRejection[] = [];
  const live: Candidate[] = [];
  for (const c of candidates) {
    if (c.gateReasons.length > 0) rejected.push({ offerId: c.offerId, reason: c.gateReasons[0]! });
    else live.push(c);
  }
  if (live.length === 0) return { ok: false, reason: "no_live_offer", spot_nanos_per_second: null, rejected };

  const spot = live.reduce((min, c) => (c.ask_nanos_per_second < min ? c.ask_nanos_per_second : min), live[0]!.ask_nanos_per_second);
  if (request.max_price_nanos_per_second !== undefined && spot > request.max_price_nanos_per_second) {
    return { ok: false, reason: "price_above_bid", spot_nanos_per_second: spot, rejected };
  }

  const atSpot: Candidate[] = [];
  for (const c of live) {
    if (c.ask_nanos_per_second > spot) rejected.push({ offerId: c.offerId, reason: "ask_above_spot" });
    else if (c.inflight >= c.slots * MAX_QUEUE_FACTOR) rejected.push({ offerId: c.offerId, reason: "queue_full" });
    else atSpot.push(c);
  }
  if (atSpot.length === 0) return { ok: false, reason: "all_queues_full", spot_nanos_per_second: spot, rejected };

  // Least utilized wins; ties are broken at random so identical providers share the load.
  const load = (c: Candidate) => c.inflight / c.slots;
  const best = Math.min(...atSpot.map(load));
  const tied = atSpot.filter((c) => load(c) === best);
  const chosen = tied[Math.min(tied.length - 1, Math.floor(random() * tied.length))]!;
  return { ok: true, offerId: chosen.offerId, price_nanos_per_second: spot, rejected };
}
