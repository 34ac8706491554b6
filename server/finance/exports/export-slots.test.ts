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
