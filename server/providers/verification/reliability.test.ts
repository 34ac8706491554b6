import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reliabilityScore, type ReliabilityInputs } from "./reliability";

const perfect: ReliabilityInputs = { heartbeat_up_ms: 3_600_000, heartbeat_observed_ms: 3_600_000, buyer_requests: 100, buyer_failed: 0, canary_runs: 20, canary_passed: 20 };

const inputs = fc
  .record({
    observed: fc.double({ min: 0, max: 1e9, noNaN: true }),
    upShare: fc.double({ min: 0, max: 1, noNaN: true }),
    requests: fc.nat(10_000),
    failedShare: fc.double({ min: 0, max: 1, noNaN: true }),
    runs: fc.integer({ min: 1, max: 20 }),
    passShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(
    (r): ReliabilityInputs => ({
      heartbeat_observed_ms: r.observed,
      heartbeat_up_ms: r.observed * r.upShare,
      buyer_requests: r.requests,
      buyer_failed: Math.floor(r.requests * r.failedShare),
      canary_runs: r.runs,
      canary_passed: Math.floor(r.runs * r.passShare),
    }),
  );

describe("reliabilityScore", () => {
  it("is null before the first canary and 1 when nothing ever failed", () => {
    expect(reliabilityScore({ ...perfect, canary_runs: 0, canary_passed: 0 })).toBeNull();
    expect(reliabilityScore(perfect)).toBe(1);
  });

  it("multiplies uptime, dispatch success and canary success, each with a small prior of good behaviour", () => {
    // uptime (0.9 h + 1 min)/(1 h + 1 min), dispatches (90 + 2)/(100 + 2), canaries (15 + 2)/(20 + 2)
    const s = reliabilityScore({ heartbeat_up_ms: 3_240_000, heartbeat_observed_ms: 3_600_000, buyer_requests: 100, buyer_failed: 10, canary_runs: 20, canary_passed: 15 })!;
    expect(s).toBeCloseTo((3_300_000 / 3_660_000) * (92 / 102) * (17 / 22), 12);
    // One early failed canary does not sink a new offer.
    expect(reliabilityScore({ ...perfect, heartbeat_observed_ms: 0, heartbeat_up_ms: 0, buyer_requests: 0, canary_runs: 1, canary_passed: 0 })).toBeCloseTo(2 / 3, 12);
  });

  it("stays in [0, 1]", () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const s = reliabilityScore(i)!;
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("never rises with more failures of any kind", () => {
    fc.assert(
      fc.property(inputs, fc.nat(1000), fc.double({ min: 0, max: 1e6, noNaN: true }), (i, more, down_ms) => {
        const s = reliabilityScore(i)!;
        expect(reliabilityScore({ ...i, buyer_requests: i.buyer_requests + more, buyer_failed: i.buyer_failed + more })!).toBeLessThanOrEqual(s + 1e-12);
        expect(reliabilityScore({ ...i, heartbeat_observed_ms: i.heartbeat_observed_ms + down_ms })!).toBeLessThanOrEqual(s + 1e-12);
        if (i.canary_passed > 0) expect(reliabilityScore({ ...i, canary_passed: i.canary_passed - 1 })!).toBeLessThanOrEqual(s + 1e-12);
      }),
    );
  });
});
