import { describe, expect, it } from "vitest";
import { defaultScenario, simulateMarket } from "./simulation";

describe("market simulation through the real engine", () => {
  it("is deterministic for a seed and keeps every invariant on every tick", () => {
    for (const seed of [1, 7, 42]) {
      const a = simulateMarket(defaultScenario(seed), seed);
      const b = simulateMarket(defaultScenario(seed), seed);
      expect(a.ticks.map((t) => t.spot_nanos_per_second)).toEqual(b.ticks.map((t) => t.spot_nanos_per_second));
      expect(a.violations).toEqual([]);
      expect(a.ticks).toHaveLength(600);
    }
  });

  it("prices the story: the surge and the providers leaving raise the spot, the end of the surge lowers it", () => {
    const { ticks } = simulateMarket(defaultScenario(7), 7);
    const mean = (from: number, to: number) => ticks.slice(from, to).reduce((s, t) => s + Number(t.spot_nanos_per_second), 0) / (to - from);
    expect(mean(200, 240)).toBeGreaterThan(mean(80, 120));
    expect(mean(260, 300)).toBeGreaterThan(mean(200, 240));
    expect(mean(360, 420)).toBeLessThan(mean(260, 300));
  });
});
