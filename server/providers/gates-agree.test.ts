import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toCandidates } from "../gateway/admit";
import { route } from "../router/route";
import type { Preferences } from "../router/types";
import { HEARTBEAT_STALE_AFTER_MS, MAX_QUEUE_FACTOR, offerGateReasons, routingSpots, type OfferGateReason } from "./liveness";
import type { RoutableOffer } from "./list-routable-offers";

/**
 * What a provider is told must be what routing does: the status views (list-machines.ts: the Provider
 * page and `spotlane-agent status`) and the router, given the same offers, clearing prices and load,
 * must agree on every offer.
 */
const now = new Date("2026-03-01T12:00:00Z");
const MODELS = ["llama:q4_k_m", "llama:f16"];
const HARDWARE = ["cpu", "nvidia-h100"];
const GATES = new Set<string>(["machine_offline", "machine_draining", "heartbeat_stale", "offer_withdrawn", "unverified", "identity_mismatch", "suspended", "ask_above_spot", "no_free_slot"]);

const arbOffer = fc.record({
  modelId: fc.constantFrom(...MODELS),
  hardwareClass: fc.constantFrom(...HARDWARE),
  providerOrganizationId: fc.constantFrom("org_a", "org_b"),
  machineStatus: fc.constantFrom("online", "online", "online", "draining", "offline"),
  heartbeatAge_ms: fc.oneof(fc.integer({ min: 0, max: HEARTBEAT_STALE_AFTER_MS }), fc.integer({ min: 0, max: 3 * HEARTBEAT_STALE_AFTER_MS })),
  offerStatus: fc.constantFrom("live", "live", "live", "withdrawn"),
  verification: fc.constantFrom<[string, string | null]>(["verified", null], ["verified", null], ["verified", null], ["unverified", null], ["suspended", "identity_mismatch"], ["suspended", "too_slow"]),
  ask_nanos_per_second: fc.bigInt({ min: 0n, max: 2_000n }),
  slots: fc.integer({ min: 1, max: 4 }),
  loadFactor: fc.double({ min: 0, max: MAX_QUEUE_FACTOR + 1, noNaN: true }),
});

const arbMarket = fc.record({
  offers: fc.array(arbOffer, { maxLength: 20 }),
  // A market's cleared spot from a fresh tick, or none (before any tick / stale tick → lowest live ask).
  cleared: fc.dictionary(fc.constantFrom(...MODELS.flatMap((m) => HARDWARE.map((h) => `${m}@${h}`))), fc.bigInt({ min: 0n, max: 2_000n })),
});

type MarketInput = typeof arbMarket extends fc.Arbitrary<infer T> ? T : never;

function build(input: MarketInput) {
  const offers: RoutableOffer[] = input.offers.map((o, i) => ({
    offerId: `off_${i}`,
    machineId: `mach_${i}`,
    providerOrganizationId: o.providerOrganizationId,
    modelId: o.modelId,
    hardwareClass: o.hardwareClass,
    endpointUrl: "https://agent.example",
    machineSecret: "s",
    machineStatus: o.machineStatus,
    lastHeartbeatAt: new Date(now.getTime() - o.heartbeatAge_ms),
    offerStatus: o.offerStatus,
    slots: o.slots,
    activeSlots: Math.min(o.slots, Math.floor(o.slots * o.loadFactor)),
    ask_nanos_per_second: o.ask_nanos_per_second,
    claimed_decode_tokens_per_second: 50,
    claimed_prefill_tokens_per_second: 500,
    claimed_ttft_ms: 20,
    verificationStatus: o.verification[0],
    suspendedReason: o.verification[1],
    verified_decode_tokens_per_second: null,
    verified_prefill_tokens_per_second: null,
    verified_ttft_ms: null,
    reliability_score: null,
    createdAt: now,
  }));
  const inflight = new Map(input.offers.map((o, i) => [`off_${i}`, Math.floor(o.slots * o.loadFactor)]));
  const cleared = (m: string, h: string) => input.cleared[`${m}@${h}`] ?? null;
  return { offers, inflight, cleared };
}

/** The status views' computation (list-machines.ts), given the load the router sees. */
function viewReasons(offers: RoutableOffer[], inflight: Map<string, number>, cleared: (m: string, h: string) => bigint | null): Map<string, OfferGateReason[]> {
  const spot = routingSpots(offers, cleared, now);
  return new Map(
    offers.map((o) => [
      o.offerId,
      offerGateReasons({ ...o, now, ask_nanos_per_second: o.ask_nanos_per_second, spot_nanos_per_second: spot(o.modelId, o.hardwareClass), occupancy: { slots: o.slots, inflight: inflight.get(o.offerId)! } }),
    ]),
  );
}

function routerVerdicts(offers: RoutableOffer[], inflight: Map<string, number>, cleared: (m: string, h: string) => bigint | null, prefs: Preferences) {
  const deps = { spotPrice: cleared, inflight, rtt_ms: new Map<string, number>() };
  const result = route(
    toCandidates(deps, offers, now),
    { prompt_tokens: 20, max_tokens: 16 },
    prefs,
    () => 0.5,
  );
  return { ranked: new Set(result.ranked.map((r) => r.candidate.offerId)), rejected: new Map(result.rejected.map((r) => [r.offerId, r.reason])) };
}

describe("the router and the provider's views agree on gates", () => {
  it("an offer the views call routable is ranked; one with gate reasons is rejected with the first of them", () => {
    fc.assert(
      fc.property(arbMarket, (market) => {
        const { offers, inflight, cleared } = build(market);
        const view = viewReasons(offers, inflight, cleared);
        const router = routerVerdicts(offers, inflight, cleared, { sort: "balanced", allow_fallbacks: true });
        for (const o of offers) {
          const reasons = view.get(o.offerId)!;
          if (reasons.length === 0) expect(router.ranked.has(o.offerId), `${o.offerId} is routable in the views`).toBe(true);
          else expect(router.rejected.get(o.offerId), `${o.offerId}: views say ${reasons.join(", ")}`).toBe(reasons[0]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("whatever the buyer asks, a gated offer is never ranked, and a routable one is only excluded by the buyer's own terms", () => {
    const arbPrefs = fc.record({
      sort: fc.constantFrom("price", "latency", "throughput", "balanced"),
      max_price_nanos_per_second: fc.option(fc.bigInt({ min: 0n, max: 2_000n }), { nil: undefined }),
      max_ttft_ms: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
      hardware: fc.option(fc.record({ only: fc.option(fc.subarray(HARDWARE), { nil: undefined }) }), { nil: undefined }),
      providers: fc.option(fc.record({ ignore: fc.option(fc.subarray(["org_a"]), { nil: undefined }) }), { nil: undefined }),
      allow_fallbacks: fc.constant(true),
    });
    fc.assert(
      fc.property(arbMarket, arbPrefs, (market, prefs) => {
        const { offers, inflight, cleared } = build(market);
        const view = viewReasons(offers, inflight, cleared);
        const router = routerVerdicts(offers, inflight, cleared, prefs);
        for (const o of offers) {
          const reasons = view.get(o.offerId)!;
          const rejection = router.rejected.get(o.offerId);
          if (reasons.length > 0) {
            expect(router.ranked.has(o.offerId)).toBe(false);
            // The buyer's filters run after the state gates and before the spot and load gates.
            if (!GATES.has(rejection!)) expect(reasons.some((r) => r === "ask_above_spot" || r === "no_free_slot")).toBe(true);
            else expect(reasons).toContain(rejection);
          } else if (rejection !== undefined) {
            expect(GATES.has(rejection), `${o.offerId} is routable in the views, router says ${rejection}`).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
