import { describe, expect, it } from "vitest";
import { gateLabel } from "./gate-label";

describe("gateLabel", () => {
  it("names both prices when the ask is above spot, and other gates by name", () => {
    expect(gateLabel("ask_above_spot", 70_000n, 50_000n)).toBe("ask above spot: your ask $0.00007/s, spot $0.00005/s");
    expect(gateLabel("heartbeat_stale", 70_000n, 50_000n)).toBe("heartbeat_stale");
  });
});
