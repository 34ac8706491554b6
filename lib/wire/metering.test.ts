import { describe, expect, it } from "vitest";
import { parseServedMs } from "./metering";

describe("parseServedMs", () => {
  it("reads whole ms from a header string or a JSON number", () => {
    expect(parseServedMs("812")).toBe(812);
    expect(parseServedMs(12.6)).toBe(13);
    expect(parseServedMs(0)).toBe(0);
  });

  it("refuses what is not a non-negative number, and caps what a 32-bit column cannot hold", () => {
    for (const bad of [undefined, null, "", " ", "abc", -1, "-5", NaN, {}, ["1"]]) expect(parseServedMs(bad)).toBeNull();
    expect(parseServedMs(1e20)).toBe(2_147_483_647);
    expect(parseServedMs("Infinity")).toBe(2_147_483_647);
  });
});
