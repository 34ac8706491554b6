import { DEFAULT_CLEARING_SETTINGS, depthPrice } from "../market/clear";
import { supplyCurve, type Ask } from "../market/curves";
import { marketKey, type MarketKey } from "../market/market-key";
import { occupancyGate, routingSpotNanos, spotGate } from "../router/gates";
/**
 * PURE: every gate that keeps an offer out of routing, in one place. The router (server/router/route.ts,
 * fed by server/gateway/admit.ts) and the provider's views (the Provider page, `spotlane-agent status`)
 * call these same functions with the same market spot, so what a provider is told is what routing does.
 */

/** A machine is live while its heartbeats are fresh; agents heartbeat every HEARTBEAT_INTERVAL_MS. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
export const HEARTBEAT_STALE_AFTER_MS = 10_000;
// The spot and load gates live with the router (pure, imports only lib/); re-exported so the views
// and their tests keep one place to read every gate from.
export { MAX_QUEUE_FACTOR, occupancyGate, routingSpotNanos, spotGate } from "../router/gates";

/** Gates that depend only on the offer and its machine (not on the market or on load). */
export type OfferStateGate =
  | "machine_offline"
  | "machine_draining"
  | "heartbeat_stale"
  | "offer_withdrawn"
  /** Not yet passed its canaries since (re-)registration (a few seconds for an honest offer). */
  | "unverified"
  /** Suspended: its greedy output does not match the model it advertises. */
  | "identity_mismatch"
  /** Suspended for another reason (too slow for its claim, failing canaries); see `suspended_reason`. */
  | "suspended";

export type OfferGateReason =
  | OfferStateGate
  /** Its ask is above the market's spot (only offers asking at most the spot serve, DESIGN §4). */
  | "ask_above_spot"
  /** Every slot is busy and the engine queue is at its bound (MAX_QUEUE_FACTOR × slots in flight). */
  | "no_free_slot";

/** The offer's and its machine's columns the state gates read. */
export type OfferState = {
  machineStatus: string;
  lastHeartbeatAt: Date;
  offerStatus: string;
  /** `verification_status`: only `verified` passes. */
  verificationStatus: string;
  suspendedReason: string | null;
};

/** Why the offer itself cannot take traffic, in a fixed order; empty means it is live supply. */
export function offerStateGates(o: OfferState, now: Date): OfferStateGate[] {
  const reasons: OfferStateGate[] = [];
  if (o.machineStatus === "offline") reasons.push("machine_offline");
  if (o.machineStatus === "draining") reasons.push("machine_draining");
  if (now.getTime() - o.lastHeartbeatAt.getTime() > HEARTBEAT_STALE_AFTER_MS) reasons.push("heartbeat_stale");
  if (o.offerStatus !== "live") reasons.push("offer_withdrawn");
  if (o.verificationStatus !== "verified") {
    if (o.verificationStatus === "suspended") reasons.push(o.suspendedReason === "identity_mismatch" ? "identity_mismatch" : "suspended");
    else reasons.push("unverified");
  }
  return reasons;
}

/**
 * Each market's price without a tick, from the offers the caller found live (no state gate): the clearing
 * engine's own no-demand price, the depth price (server/market/clear.ts), so a tiny offer cannot own a
 * market here either. Computed per market on first use, only for markets the caller asks about.
 */
export class QuietPrices {
  private markets = new Map<MarketKey, { asks: Ask[]; price: bigint | null | undefined }>();

  add(modelId: string, hardwareClass: string, ask_nanos_per_second: bigint, slots: number): void {
    const key = marketKey(modelId, hardwareClass);
    let m = this.markets.get(key);
    if (!m) this.markets.set(key, (m = { asks: [], price: undefined }));
    m.asks.push({ ask_nanos_per_second, slots, live: true });
    m.price = undefined;
  }

  get(modelId: string, hardwareClass: string): bigint | null {
    const m = this.markets.get(marketKey(modelId, hardwareClass));
    if (!m) return null;
    m.price ??= depthPrice(supplyCurve(m.asks), DEFAULT_CLEARING_SETTINGS.depth_share_bps);
    return m.price;
  }
}

export type GateSubject = OfferState & { modelId: string; hardwareClass: string; ask_nanos_per_second: bigint; slots: number };

/**
 * The routing spot of every market from all of its offers (any organization's) and the cleared prices:
 * what the views use, computed exactly as the router computes it from its candidates.
 */
export function routingSpots(marketOffers: Iterable<GateSubject>, cleared: (modelId: string, hardwareClass: string) => bigint | null, now: Date) {
  const quiet = new QuietPrices();
  for (const o of marketOffers) if (offerStateGates(o, now).length === 0) quiet.add(o.modelId, o.hardwareClass, o.ask_nanos_per_second, o.slots);
  return (modelId: string, hardwareClass: string): bigint | null => routingSpotNanos(cleared(modelId, hardwareClass), quiet.get(modelId, hardwareClass));
}

/**
 * Why an offer cannot take traffic right now, in the order the router checks them; empty means it can.
 * Providers see these names. `occupancy` is optional: without it no occupancy gate is judged.
 */
export function offerGateReasons(
  input: OfferState & {
    now: Date;
    ask_nanos_per_second: bigint;
    /** routingSpotNanos / routingSpots for the offer's market. */
    spot_nanos_per_second: bigint | null;
    occupancy?: { slots: number; inflight: number };
  },
): OfferGateReason[] {
  const reasons: OfferGateReason[] = offerStateGates(input, input.now);
  const ask = spotGate(input.ask_nanos_per_second, input.spot_nanos_per_second);
  if (ask) reasons.push(ask);
  const full = input.occupancy ? occupancyGate(input.occupancy.slots, input.occupancy.inflight) : null;
  if (full) reasons.push(full);
  return reasons;
}
