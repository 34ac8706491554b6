import { describe, expect, it } from "vitest";
import { clockSkew, skewVerdict } from "./clock";

const at = (iso: string) => Date.parse(iso);

describe("clock skew from a Date header", () => {
  it("in sync: within the header's one-second resolution", () => {
    const s = clockSkew("Fri, 01 May 2026 12:00:00 GMT", at("2026-05-01T12:00:00.400Z"), at("2026-05-01T12:00:00.600Z"))!;
    expect(s).toEqual({ skew_ms: 0, uncertainty_ms: 600 });
    expect(skewVerdict(s)).toBe("ok");
  });

  it("a clock 12 s ahead is a warning; 45 s behind fails (beyond the 30 s signature window)", () => {
    const ahead = clockSkew("Fri, 01 May 2026 12:00:00 GMT", at("2026-05-01T12:00:12.500Z"), at("2026-05-01T12:00:12.500Z"))!;
    expect(ahead.skew_ms).toBe(12_000);
    expect(skewVerdict(ahead)).toBe("warn");
    const behind = clockSkew("Fri, 01 May 2026 12:00:45 GMT", at("2026-05-01T12:00:00.500Z"), at("2026-05-01T12:00:00.500Z"))!;
    expect(behind.skew_ms).toBe(-45_000);
    expect(skewVerdict(behind)).toBe("fail");
  });

  it("a slow round trip widens the uncertainty instead of failing a borderline clock", () => {
    const s = clockSkew("Fri, 01 May 2026 12:00:00 GMT", at("2026-05-01T12:00:29.000Z"), at("2026-05-01T12:00:33.000Z"))!;
    expect(s).toEqual({ skew_ms: 30_500, uncertainty_ms: 2_500 });
    expect(skewVerdict(s)).toBe("warn");
  });

  it("no usable header", () => {
    expect(clockSkew("yesterday", 0, 1)).toBeNull();
  });
});
