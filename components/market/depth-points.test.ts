import { describe, expect, it } from "vitest";
import { depthPoints } from "./depth-points";

describe("depthPoints", () => {
  it("samples supply, capacity at target and demand at every level, the spot and a margin", () => {
    const points = depthPoints({
      spot_nanos_per_second: 120_001n,
      target_utilization_bps: 8_000,
      supply: [
        { price_nanos_per_second: 100_000n, cumulative_slots: 2 },
        { price_nanos_per_second: 130_000n, cumulative_slots: 4 },
      ],
      demand: [{ price_nanos_per_second: 120_000n, cumulative_millislots: 2_000 }],
      unbid_demand_millislots: 1_000,
    });
    expect(points).toEqual([
      { price_usd: 0.000097, supply_slots: 0, capacity_slots: 0, demand_slots: 2 },
      { price_usd: 0.0001, supply_slots: 2, capacity_slots: 1.6, demand_slots: 2 },
      { price_usd: 0.00012, supply_slots: 2, capacity_slots: 1.6, demand_slots: 2 },
      { price_usd: 0.000120001, supply_slots: 2, capacity_slots: 1.6, demand_slots: 1 },
      { price_usd: 0.00013, supply_slots: 4, capacity_slots: 3.2, demand_slots: 1 },
      { price_usd: 0.000133, supply_slots: 4, capacity_slots: 3.2, demand_slots: 1 },
    ]);
  });

  it("is empty for an empty book", () => {
    expect(depthPoints({ spot_nanos_per_second: null, target_utilization_bps: 8_000, supply: [], demand: [], unbid_demand_millislots: 0 })).toEqual([]);
  });
});
