import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { route } from "./route";
import type { Candidate, Preferences } from "./types";

const base: Candidate = {
  offerId: "off_a",
  machineId: "mach_a",
  providerOrganizationId: "org_p1",
  modelId: "llama:q4_k_m",
  hardwareClass: "nvidia-h100",
  quantization: "q4_k_m",
  ask_nanos_per_second: 1000n,
  spot_nanos_per_second: 1000n,
  slots: 4,
  inflight: 0,
  decode_tokens_per_second: 100,
  prefill_tokens_per_second: 5000,
  base_ttft_ms: 10,
  rtt_ms: 5,
  gateReasons: [],
};
const cand = (over: Partial<Candidate>): Candidate => ({ ...base, ...over });
const prefs = (over: Partial<Preferences> = {}): Preferences => ({ sort: "balanced", allow_fallbacks: true, ...over });
const req = { prompt_tokens: 500, max_tokens: 100 };
const first = (r: ReturnType<typeof route>) => r.ranked[0]?.candidate.offerId;

describe("route: golden decisions", () => {
  // Two markets (different hardware), each priced at its only offer's ask.
  const cheapSlow = cand({ offerId: "cheap", machineId: "m1", hardwareClass: "nvidia-rtx-4090", ask_nanos_per_second: 400n, spot_nanos_per_second: 400n, decode_tokens_per_second: 40, prefill_tokens_per_second: 1000, rtt_ms: 60 });
  const fastDear = cand({ offerId: "fast", machineId: "m2", ask_nanos_per_second: 1500n, spot_nanos_per_second: 1500n, decode_tokens_per_second: 200, prefill_tokens_per_second: 20000, rtt_ms: 5 });

  it("sort=price picks the lowest predicted cost, sort=latency the lowest predicted TTFT, sort=throughput the fastest decode", () => {
    // cost: cheap = 400 × (10 + 500 + 2500) ms ≈ 1204; fast = 1500 × (10 + 25 + 500) ms ≈ 803 → fast is cheaper per request.
    expect(first(route([cheapSlow, fastDear], req, prefs({ sort: "price" }), () => 0))).toBe("fast");
    const cheapFast = { ...cheapSlow, decode_tokens_per_second: 400 };
    expect(first(route([cheapFast, fastDear], req, prefs({ sort: "price" }), () => 0))).toBe("cheap");
    expect(first(route([cheapFast, fastDear], req, prefs({ sort: "latency" }), () => 0))).toBe("fast");
    expect(first(route([cheapFast, fastDear], req, prefs({ sort: "throughput" }), () => 0))).toBe("cheap");
  });

  it("names every exclusion", () => {
    const r = route(
      [
        cand({ offerId: "stale", gateReasons: ["heartbeat_stale"] }),
        cand({ offerId: "amd", hardwareClass: "amd-mi300x" }),
        cand({ offerId: "q8", quantization: "q8_0" }),
        cand({ offerId: "dear", ask_nanos_per_second: 5000n }),
        cand({ offerId: "full", inflight: 16 }),
        cand({ offerId: "ok" }),
      ],
      req,
      prefs({ hardware: { ignore: ["amd-mi300x"] }, quantizations: ["q4_k_m"] }),
      () => 0,
    );
    expect(first(r)).toBe("ok");
    expect(Object.fromEntries(r.rejected.map((x) => [x.offerId, x.reason]))).toEqual({
      stale: "heartbeat_stale",
      amd: "hardware_excluded",
      q8: "quantization_excluded",
      dear: "ask_above_spot",
      full: "no_free_slot",
    });
  });

  it("refuses rather than overcharging a bid below spot, and enforces max_ttft_ms", () => {
    const r = route([cand({ ask_nanos_per_second: 2000n, spot_nanos_per_second: 2000n })], req, prefs({ max_price_nanos_per_second: 1999n }), () => 0);
    expect(r.ranked).toEqual([]);
    expect(r.rejected).toEqual([{ offerId: "off_a", reason: "price_above_bid" }]);
    expect(r.lowest_spot_nanos_per_second).toBe(2000n);
    expect(route([cand({ rtt_ms: 300 })], req, prefs({ max_ttft_ms: 200 }), () => 0).rejected[0]!.reason).toBe("ttft_above_limit");
  });

  it("prices at the candidate's routing spot, and serves only asks at most that spot", () => {
    const r = route([cand({ spot_nanos_per_second: 1200n })], req, prefs(), () => 0);
    expect(r.ranked[0]!.prediction.price_nanos_per_second).toBe(1200n);
    expect(route([cand({ spot_nanos_per_second: 900n })], req, prefs(), () => 0).rejected[0]!.reason).toBe("ask_above_spot");
    // A live candidate always has a price (its ask is supply); without one the router refuses, never guesses.
    expect(route([cand({ spot_nanos_per_second: null })], req, prefs(), () => 0).rejected[0]!.reason).toBe("no_market_price");
  });

  it("follows providers.order, and allow_fallbacks=false leaves no failover", () => {
    const a = cand({ offerId: "a", machineId: "ma", providerOrganizationId: "org_a" });
    const b = cand({ offerId: "b", machineId: "mb", providerOrganizationId: "org_b", hardwareClass: "cpu", ask_nanos_per_second: 900n, spot_nanos_per_second: 1000n });
    expect(route([a, b], req, prefs({ providers: { order: ["org_a"] } }), () => 0).ranked.map((r) => r.candidate.offerId)).toEqual(["a", "b"]);
    expect(route([a, b], req, prefs({ providers: { order: ["org_a"] }, allow_fallbacks: false }), () => 0).ranked.map((r) => r.candidate.offerId)).toEqual(["a"]);
    expect(route([a, b], req, prefs({ providers: { ignore: ["org_a"] } }), () => 0).ranked.map((r) => r.candidate.offerId)).toEqual(["b"]);
  });

  it("spreads load across identical providers (power of two choices) instead of herding", () => {
    const offers = Array.from({ length: 4 }, (_, i) => cand({ offerId: `o${i}`, machineId: `m${i}` }));
    const picks = new Map<string, number>();
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 400; i++) {
      const id = first(route(offers, req, prefs(), rand))!;
      picks.set(id, (picks.get(id) ?? 0) + 1);
    }
    expect(picks.size).toBe(4);
    for (const n of picks.values()) expect(n).toBeGreaterThan(50);
    // And a loaded twin loses to an idle one whenever both are drawn.
    const busy = cand({ offerId: "busy", machineId: "mb", inflight: 3 });
    const idle = cand({ offerId: "idle", machineId: "mi" });
    expect(first(route([busy, idle], req, prefs(), () => 0.99))).toBe("idle");
  });
});

describe("route: properties", () => {
  const arbCandidate = fc.record({
    offerId: fc.uuid(),
    machineId: fc.constantFrom("m1", "m2", "m3"),
    providerOrganizationId: fc.constantFrom("p1", "p2"),
    modelId: fc.constant("llama"),
    hardwareClass: fc.constantFrom("nvidia-h100", "cpu", "amd-mi300x"),
    quantization: fc.constantFrom("q4_k_m", "f16"),
    ask_nanos_per_second: fc.bigInt({ min: 0n, max: 100_000n }),
    spot_nanos_per_second: fc.option(fc.bigInt({ min: 0n, max: 100_000n }), { nil: null }),
    slots: fc.integer({ min: 1, max: 8 }),
    inflight: fc.integer({ min: 0, max: 40 }),
    decode_tokens_per_second: fc.double({ min: 1, max: 5000, noNaN: true }),
    prefill_tokens_per_second: fc.double({ min: 1, max: 50000, noNaN: true }),
    base_ttft_ms: fc.double({ min: 0, max: 100, noNaN: true }),
    rtt_ms: fc.double({ min: 0, max: 300, noNaN: true }),
    gateReasons: fc.constantFrom<string[]>([], ["heartbeat_stale"], ["suspended"]),
  });
  const arbPrefs = fc.record({
    sort: fc.constantFrom("price", "latency", "throughput", "balanced"),
    max_price_nanos_per_second: fc.option(fc.bigInt({ min: 0n, max: 100_000n }), { nil: undefined }),
    max_ttft_ms: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
    hardware: fc.option(fc.record({ only: fc.option(fc.subarray(["nvidia-h100", "cpu"]), { nil: undefined }), ignore: fc.option(fc.subarray(["amd-mi300x"]), { nil: undefined }) }), { nil: undefined }),
    quantizations: fc.option(fc.subarray(["q4_k_m", "f16"]), { nil: undefined }),
    providers: fc.option(fc.record({ only: fc.option(fc.subarray(["p1", "m2"]), { nil: undefined }), ignore: fc.option(fc.subarray(["p2"]), { nil: undefined }) }), { nil: undefined }),
    allow_fallbacks: fc.boolean(),
  });

  it("never ranks a candidate that violates a hard bound; every candidate is ranked or rejected", () => {
    fc.assert(
      fc.property(fc.array(arbCandidate, { maxLength: 25 }), arbPrefs, fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (cands, p, prompt_tokens, r) => {
        const res = route(cands, { prompt_tokens, max_tokens: 64 }, p, () => r);
        for (const { candidate: c, prediction } of res.ranked) {
          expect(c.gateReasons).toEqual([]);
          expect(c.ask_nanos_per_second <= prediction.price_nanos_per_second).toBe(true);
          if (p.max_price_nanos_per_second !== undefined) expect(prediction.price_nanos_per_second <= p.max_price_nanos_per_second).toBe(true);
          if (p.max_ttft_ms !== undefined) expect(prediction.ttft_ms <= p.max_ttft_ms).toBe(true);
          if (p.hardware?.only?.length) expect(p.hardware.only).toContain(c.hardwareClass);
          expect(p.hardware?.ignore ?? []).not.toContain(c.hardwareClass);
          if (p.quantizations?.length) expect(p.quantizations).toContain(c.quantization);
          if (p.providers?.only?.length) expect(p.providers.only.includes(c.providerOrganizationId) || p.providers.only.includes(c.machineId)).toBe(true);
          expect(c.inflight).toBeLessThan(c.slots * 4);
        }
        if (!p.allow_fallbacks) expect(res.ranked.length).toBeLessThanOrEqual(1);
        else expect(res.ranked.length + res.rejected.length).toBe(cands.length);
      }),
    );
  });
});
