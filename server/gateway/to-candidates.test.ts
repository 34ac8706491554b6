import { describe, expect, it } from "vitest";
import type { RoutableOffer } from "../providers/list-routable-offers";
import { route } from "../router/route";
import type { Preferences } from "../router/types";
import { toCandidates } from "./admit";

/** The routing spot is the caller's now (the router imports only lib/): one price per market, from its live supply. */
const now = new Date("2026-03-01T12:00:00Z");
const offer = (over: Partial<RoutableOffer>): RoutableOffer => ({
  offerId: "off",
  machineId: "mach",
  providerOrganizationId: "org",
  modelId: "llama:q4_k_m",
  hardwareClass: "nvidia-h100",
  endpointUrl: "https://agent.example",
  machineSecret: "s",
  machineStatus: "online",
  lastHeartbeatAt: now,
  offerStatus: "live",
  slots: 4,
  activeSlots: 0,
  ask_nanos_per_second: 1000n,
  claimed_decode_tokens_per_second: 100,
  claimed_prefill_tokens_per_second: 5000,
  claimed_ttft_ms: 10,
  verificationStatus: "verified",
  suspendedReason: null,
  verified_decode_tokens_per_second: null,
  verified_prefill_tokens_per_second: null,
  verified_ttft_ms: null,
  reliability_score: null,
  createdAt: now,
  ...over,
});
const deps = (cleared: bigint | null = null) => ({ spotPrice: () => cleared, inflight: new Map<string, number>(), rtt_ms: new Map<string, number>() });
const prefs = (over: Partial<Preferences> = {}): Preferences => ({ sort: "balanced", allow_fallbacks: true, ...over });
const req = { prompt_tokens: 500, max_tokens: 100 };

describe("toCandidates: each candidate's routing spot", () => {
  const cheap = offer({ offerId: "cheap", machineId: "mc", providerOrganizationId: "org_c", ask_nanos_per_second: 500n });
  const dear = offer({ offerId: "dear", machineId: "md", providerOrganizationId: "org_d", ask_nanos_per_second: 800n });
  const stale = offer({ offerId: "stale", machineId: "ms", ask_nanos_per_second: 1n, lastHeartbeatAt: new Date(now.getTime() - 60_000) });

  it("prices a market from all of its live offers, whatever the buyer's filters (one price per market)", () => {
    // Only asks at most the spot serve: excluding the cheap provider does not make the dearer one the price.
    const r = route(toCandidates(deps(), [cheap, dear, stale], now), req, prefs({ providers: { ignore: ["org_c"] } }), () => 0);
    expect(r.ranked).toEqual([]);
    expect(Object.fromEntries(r.rejected.map((x) => [x.offerId, x.reason]))).toEqual({ cheap: "provider_excluded", dear: "ask_above_spot", stale: "heartbeat_stale" });
    // A gated offer's ask is not supply, so it does not set the price either.
    expect(route(toCandidates(deps(), [cheap, stale], now), req, prefs(), () => 0).ranked[0]!.prediction.price_nanos_per_second).toBe(500n);
  });

  it("uses the cleared spot of a fresh tick over the quiet price, and prices each market on its own", () => {
    expect(toCandidates(deps(1200n), [cheap, dear], now).map((c) => c.spot_nanos_per_second)).toEqual([1200n, 1200n]);
    const cpu = offer({ offerId: "cpu", hardwareClass: "cpu", ask_nanos_per_second: 900n });
    expect(toCandidates(deps(), [cheap, cpu], now).map((c) => c.spot_nanos_per_second)).toEqual([500n, 900n]);
    // A market with no live offer and no tick has no price; its (gated) offers are rejected before any spot is read.
    expect(toCandidates(deps(), [stale], now)[0]!.spot_nanos_per_second).toBeNull();
  });
});
