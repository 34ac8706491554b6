import { describe, expect, it } from "vitest";
import { MAX_QUEUE_FACTOR, offerGateReasons, routingSpotNanos, routingSpots, type GateSubject } from "./liveness";

const now = new Date("2026-01-01T00:00:10Z");
const base = {
  machineStatus: "online",
  lastHeartbeatAt: new Date("2026-01-01T00:00:09Z"),
  offerStatus: "live",
  verificationStatus: "verified",
  suspendedReason: null,
  now,
  ask_nanos_per_second: 1_000n,
  spot_nanos_per_second: 1_000n,
};

describe("offerGateReasons", () => {
  it("lets only verified offers through, naming why the others are out", () => {
    expect(offerGateReasons(base)).toEqual([]);
    expect(offerGateReasons({ ...base, verificationStatus: "unverified" })).toEqual(["unverified"]);
    expect(offerGateReasons({ ...base, verificationStatus: "suspended", suspendedReason: "identity_mismatch" })).toEqual(["identity_mismatch"]);
    expect(offerGateReasons({ ...base, verificationStatus: "suspended", suspendedReason: "too_slow" })).toEqual(["suspended"]);
    expect(offerGateReasons({ ...base, verificationStatus: "suspended", suspendedReason: "failing" })).toEqual(["suspended"]);
  });

  it("gates an ask above the market's spot (and none when the market has no price at all)", () => {
    expect(offerGateReasons({ ...base, ask_nanos_per_second: 1_001n })).toEqual(["ask_above_spot"]);
    expect(offerGateReasons({ ...base, ask_nanos_per_second: 1_000n })).toEqual([]);
    expect(offerGateReasons({ ...base, ask_nanos_per_second: 1_001n, spot_nanos_per_second: null })).toEqual([]);
  });

  it("a full machine still takes traffic (requests queue); only the router's queue bound gates it", () => {
    expect(offerGateReasons({ ...base, occupancy: { slots: 2, inflight: 2 } })).toEqual([]);
    expect(offerGateReasons({ ...base, occupancy: { slots: 2, inflight: 2 * MAX_QUEUE_FACTOR } })).toEqual(["no_free_slot"]);
  });

  it("lists every reason that applies, in the router's order", () => {
    expect(
      offerGateReasons({ ...base, machineStatus: "draining", lastHeartbeatAt: new Date("2025-12-31T23:59:50Z"), verificationStatus: "unverified", ask_nanos_per_second: 2_000n, occupancy: { slots: 1, inflight: 9 } }),
    ).toEqual(["machine_draining", "heartbeat_stale", "unverified", "ask_above_spot", "no_free_slot"]);
  });
});

describe("routing spot", () => {
  const offer = (over: Partial<GateSubject>): GateSubject => ({ ...base, modelId: "m:q4", hardwareClass: "cpu", slots: 4, ...over });

  it("is the cleared price, else the quiet (depth) price among live offers of that market only", () => {
    expect(routingSpotNanos(5n, 3n)).toBe(5n);
    expect(routingSpotNanos(null, 3n)).toBe(3n);
    expect(routingSpotNanos(null, null)).toBeNull();
    const spots = routingSpots(
      [
        offer({ ask_nanos_per_second: 700n }),
        offer({ ask_nanos_per_second: 1n, verificationStatus: "unverified" }), // not supply: cannot set the price
        offer({ ask_nanos_per_second: 2n, lastHeartbeatAt: new Date("2025-12-31T00:00:00Z") }),
        offer({ ask_nanos_per_second: 900n }),
        offer({ ask_nanos_per_second: 5n, hardwareClass: "nvidia-h100" }),
      ],
      (_m, hw) => (hw === "amd-mi300x" ? 42n : null),
      now,
    );
    expect(spots("m:q4", "cpu")).toBe(700n);
    expect(spots("m:q4", "nvidia-h100")).toBe(5n);
    expect(spots("m:q4", "amd-mi300x")).toBe(42n);
    expect(spots("other", "cpu")).toBeNull();
  });

  it("without a tick, one tiny offer cannot own the price (issue #8): it takes a quarter of the live slots", () => {
    const honest = Array.from({ length: 10 }, () => offer({ ask_nanos_per_second: 50_000n }));
    expect(routingSpots([...honest, offer({ ask_nanos_per_second: 1n, slots: 1 })], () => null, now)("m:q4", "cpu")).toBe(50_000n);
    // With a quarter of the slots it does set the quiet price: that is its share of supply.
    expect(routingSpots([...honest, offer({ ask_nanos_per_second: 1n, slots: 14 })], () => null, now)("m:q4", "cpu")).toBe(1n);
  });
});
