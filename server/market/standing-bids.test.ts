import { describe, expect, it } from "vitest";
import { effectiveBidNanos } from "./standing-bids";

describe("effectiveBidNanos", () => {
  it("takes the lower of the request's bid and the standing bid; none when neither is set", () => {
    expect(effectiveBidNanos(undefined, null)).toBeNull();
    expect(effectiveBidNanos(100n, null)).toBe(100n);
    expect(effectiveBidNanos(undefined, 120n)).toBe(120n);
    expect(effectiveBidNanos(150n, 120n)).toBe(120n);
    expect(effectiveBidNanos(90n, 120n)).toBe(90n);
  });
});
