/**
 * PURE: the gates that depend on the market's spot and on load. They live with the router, which is
 * their hot-path caller and imports only lib/; the provider's views reach them through
 * server/providers/liveness.ts (which re-exports them), so what a provider is told is what routing does.
 */

/** How deep an engine queue may get, in multiples of its slots, before the offer stops taking work. */
export const MAX_QUEUE_FACTOR = 4;

/** `spot` null: the market has no price at all (no fresh tick and no live offer), so no ask is above it. */
export function spotGate(ask_nanos_per_second: bigint, spot_nanos_per_second: bigint | null): "ask_above_spot" | null {
  return spot_nanos_per_second !== null && ask_nanos_per_second > spot_nanos_per_second ? "ask_above_spot" : null;
}

/**
 * Beyond `slots` requests queue in the engine (queued time is not billed), so a full machine still takes
 * traffic; only at the queue bound does it stop. The gateway counts its own in-flight requests; the
 * views know only the heartbeat's busy slots (never above `slots`), so for them this fires only when
 * an agent reports more than it registered.
 */
export function occupancyGate(slots: number, inflight: number): "no_free_slot" | null {
  return inflight >= slots * MAX_QUEUE_FACTOR ? "no_free_slot" : null;
}

/**
 * The spot routing uses for a market: the cleared price of a fresh tick, else (before any tick, or when
 * no process is clearing) the market's quiet price over its live supply — the no-demand rule (DESIGN §4).
 * The quiet price itself needs the clearing engine (server/providers/liveness.ts `QuietPrices`), so callers
 * compute it and hand the router the result (server/gateway/admit.ts `toCandidates`).
 */
export function routingSpotNanos(cleared_nanos_per_second: bigint | null, quiet_nanos_per_second: bigint | null): bigint | null {
  return cleared_nanos_per_second ?? quiet_nanos_per_second;
}
