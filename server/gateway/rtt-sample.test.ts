import { describe, expect, it } from "vitest";
import { rttSample } from "./proxy-completion";

describe("rttSample", () => {
  it("is the time to headers minus what the agent spent, so long generations do not read as slow networks", () => {
    expect(rttSample(5_003, "5000")).toBe(3);
    expect(rttSample(2, "3")).toBe(0); // clocks differ in resolution: never negative
  });
  it("takes no sample without the agent's header", () => {
    expect(rttSample(12, undefined)).toBeNull();
    expect(rttSample(12, "nope")).toBeNull();
    expect(rttSample(12, ["1", "2"])).toBeNull();
  });
});
