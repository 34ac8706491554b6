import { describe, expect, it } from "vitest";
import { ExportSlots } from "./export-slots";

describe("ExportSlots", () => {
  it("hands out at most `capacity` slots, and a released slot (released twice or not) is one slot back", () => {
    const slots = new ExportSlots(2);
    const a = slots.tryAcquire();
    const b = slots.tryAcquire();
    expect(a && b).toBeTruthy();
    expect(slots.full).toBe(true);
    expect(slots.tryAcquire()).toBeNull();
    a!();
    a!();
    expect(slots.inUse).toBe(1);
    expect(slots.full).toBe(false);
    const c = slots.tryAcquire();
    expect(c).not.toBeNull();
    expect(slots.tryAcquire()).toBeNull();
    b!();
    c!();
    expect(slots.inUse).toBe(0);
  });
});

describe("ExportSlots for organizations' own exports", () => {
  it("gives an organization one export at a time and keeps the last slot for platform finance", () => {
    const slots = new ExportSlots(3);
    const a = slots.tryAcquire("org_a");
    expect(a).not.toBeNull();
    expect(slots.tryAcquire("org_a")).toBeNull();
    const b = slots.tryAcquire("org_b");
    expect(b).not.toBeNull();
    // Two of three in use: the third is platform finance's.
    expect(slots.tryAcquire("org_c")).toBeNull();
    const platform = slots.tryAcquire();
    expect(platform).not.toBeNull();
    expect(slots.tryAcquire()).toBeNull();
    a!();
    expect(slots.tryAcquire("org_a")).toBeNull();
    platform!();
    expect(slots.tryAcquire("org_a")).not.toBeNull();
  });

  it("with a single slot, shares it (nothing to reserve)", () => {
    const slots = new ExportSlots(1);
    const a = slots.tryAcquire("org_a");
    expect(a).not.toBeNull();
    expect(slots.tryAcquire()).toBeNull();
    a!();
    expect(slots.tryAcquire()).not.toBeNull();
  });
});
