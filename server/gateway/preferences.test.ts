import { describe, expect, it } from "vitest";
import { resolvePreferences } from "./preferences";
import { spotlanePreferences } from "./schemas";

describe("resolvePreferences", () => {
  it("lets the request override the key's defaults field by field", () => {
    const p = resolvePreferences({ sort: "latency" }, { sort: "price", max_price_per_second: "0.0002", quantizations: ["Q4_K_M"] });
    expect(p).toEqual({ sort: "latency", max_price_nanos_per_second: 200_000n, max_ttft_ms: undefined, hardware: undefined, quantizations: ["q4_k_m"], providers: undefined, allow_fallbacks: true });
  });

  it("converts USD numbers exactly", () => {
    expect(resolvePreferences({ max_price_per_second: 0.0001 }, null).max_price_nanos_per_second).toBe(100_000n);
  });

  it("rejects unknown preference fields so typos are not silently ignored", () => {
    expect(spotlanePreferences.safeParse({ sortt: "price" }).success).toBe(false);
  });
});
