import { describe, expect, it } from "vitest";
import { offerGateReasons } from "./liveness";

const now = new Date("2026-01-01T00:00:10Z");
const base = { machineStatus: "online", lastHeartbeatAt: new Date("2026-01-01T00:00:09Z"), offerStatus: "live", slots: 2, activeSlots: 0, now };

describe("offerGateReasons", () => {
  it("has no verification gates when the caller does not pass the verification state (older callers)", () => {
    expect(offerGateReasons(base)).toEqual([]);
  });

  it("lets only verified offers through, naming why the others are out", () => {
    expect(offerGateReasons({ ...base, verificationStatus: "verified", suspendedReason: null })).toEqual([]);
    expect(offerGateReasons({ ...base, verificationStatus: "unverified", suspendedReason: null })).toEqual(["unverified"]);
    expect(offerGateReasons({ ...base, verificationStatus: "suspended", suspendedReason: "identity_mismatch" })).toEqual(["identity_mismatch"]);
    expect(offerGateReasons({ ...base, verificationStatus: "suspended", suspendedReason: "too_slow" })).toEqual(["suspended"]);
    expect(offerGateReasons({ ...base, verificationStatus: "suspended", suspendedReason: "failing" })).toEqual(["suspended"]);
  });

  it("lists every reason that applies", () => {
    expect(offerGateReasons({ ...base, machineStatus: "draining", lastHeartbeatAt: new Date("2025-12-31T23:59:50Z"), activeSlots: 2, verificationStatus: "unverified" })).toEqual([
      "machine_draining",
      "heartbeat_stale",
      "unverified",
      "no_free_slot",
    ]);
  });
});
