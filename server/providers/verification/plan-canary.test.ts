import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_VERIFICATION_CONFIG as CFG } from "./config";
import { loadProbeConcurrency, planCanary } from "./plan-canary";

const plan = (runs_since_registration: number, registered_slots = 4, load_probed_since_registration = false, random = () => 0.99, idle = true, single_streams_since_registration = 3) =>
  planCanary({ runs_since_registration, single_streams_since_registration, registered_slots, load_probed_since_registration, idle, random }, CFG);

describe("planCanary", () => {
  it("bursts streamed, non-streamed, streamed until the speed rule can judge, then every registered slot at once", () => {
    expect(plan(0, 4, false, () => 0.99, true, 0)).toEqual({ kind: "single", stream: true });
    expect(plan(1, 4, false, () => 0.99, true, 1)).toEqual({ kind: "single", stream: false });
    expect(plan(2, 4, false, () => 0.99, true, 1)).toEqual({ kind: "single", stream: true });
    expect(plan(3, 4, false, () => 0.99, true, 2)).toEqual({ kind: "single", stream: true });
    expect(plan(4, 4, false, () => 0.99, true, 3)).toEqual({ kind: "load", concurrency: 4 });
    // A failed streamed canary does not count: streamed again.
    expect(plan(4, 4, false, () => 0.99, true, 2)).toEqual({ kind: "single", stream: true });
    // One slot: nothing to load.
    expect(plan(4, 1, false, () => 0.99, true, 3).kind).toBe("single");
  });

  it("sends the full-load probe next until one has passed since the registration", () => {
    expect(plan(7, 8, false)).toEqual({ kind: "load", concurrency: 8 });
    expect(plan(7, 8, true).kind).toBe("single");
  });

  it("caps the probe, and mixes modes and probes at random afterwards", () => {
    expect(loadProbeConcurrency(1024, CFG)).toBe(CFG.max_probe_concurrency);
    expect(plan(10, 8, true, () => 0)).toEqual({ kind: "load", concurrency: 8 });
    // Not over buyer traffic: a busy offer gets a single canary instead.
    expect(plan(10, 8, true, () => 0, false).kind).toBe("single");
    expect(plan(2, 8, false, () => 0, false).kind).toBe("load");
    // Every mix is reachable (deterministic draws: a coverage check over random draws was flaky in CI)…
    const drawn = (...draws: number[]) => {
      const p = plan(10, 8, true, () => draws.shift() ?? 0.5);
      return p.kind === "load" ? "load" : `single:${p.stream}`;
    };
    expect(drawn(0, 0)).toBe("load");
    expect(drawn(CFG.load_probe_probability, 0)).toBe("single:true");
    expect(drawn(CFG.load_probe_probability, 0.999999)).toBe("single:false");
    // …and whatever the draws, a probe loads every registered slot.
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999999, noNaN: true }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (a, b) => {
        const draws = [a, b];
        const p = plan(10, 8, true, () => draws.shift() ?? 0.5);
        if (p.kind === "load") expect(p.concurrency).toBe(8);
      }),
      { numRuns: 300 },
    );
  });
});
