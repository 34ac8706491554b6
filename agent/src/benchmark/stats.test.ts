import { describe, expect, it } from "vitest";
import { median, percentile } from "./stats";

describe("percentile (nearest rank)", () => {
  it("picks an observed value", () => {
    const xs = [15, 20, 35, 40, 50];
    expect(percentile(xs, 5)).toBe(15);
    expect(percentile(xs, 30)).toBe(20);
    expect(percentile(xs, 40)).toBe(20);
    expect(percentile(xs, 50)).toBe(35);
    expect(percentile(xs, 95)).toBe(50);
    expect(percentile(xs, 100)).toBe(50);
    expect(median([3, 1, 2, 4])).toBe(2);
  });

  it("one sample is every percentile; none is NaN", () => {
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
