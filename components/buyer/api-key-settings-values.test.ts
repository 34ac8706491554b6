import { describe, expect, it } from "vitest";
import { formValuesFromSettings, settingsPatchFromForm, splitList, summarizeRoutingDefaults, type KeySettingsFormValues } from "./api-key-settings-values";

const empty = formValuesFromSettings({ rate_limit_per_minute: null, concurrency_limit: null, monthly_spend_limit_nanos: null, routing_defaults: null });

describe("API key settings form values", () => {
  it("sends an all-empty form as clears (unlimited, no routing defaults)", () => {
    expect(empty).toMatchObject({ rate_limit_per_minute: "", monthly_spend_limit_usd: "", sort: "", allow_fallbacks: true });
    expect(settingsPatchFromForm(empty)).toEqual({
      ok: true,
      patch: { rate_limit_per_minute: null, concurrency_limit: null, monthly_spend_limit_usd: null, routing_defaults: null },
    });
  });

  it("round-trips stored settings through the form exactly", () => {
    const settings = {
      rate_limit_per_minute: 60,
      concurrency_limit: 4,
      monthly_spend_limit_nanos: 12_500_000_001n,
      routing_defaults: {
        sort: "latency" as const,
        max_price_per_second: "0.0002",
        max_ttft_ms: 800,
        hardware: { only: ["nvidia-h100", "nvidia-a100"] },
        quantizations: ["q4_k_m"],
        providers: { order: ["org_a"], ignore: ["mach_b"] },
        allow_fallbacks: false,
      },
    };
    const values = formValuesFromSettings(settings);
    expect(values).toMatchObject({ monthly_spend_limit_usd: "12.500000001", hardware_only: "nvidia-h100, nvidia-a100", allow_fallbacks: false });
    expect(settingsPatchFromForm(values)).toEqual({
      ok: true,
      patch: { rate_limit_per_minute: 60, concurrency_limit: 4, monthly_spend_limit_usd: "12.500000001", routing_defaults: settings.routing_defaults },
    });
  });

  it("shows a numeric max price from an API caller as an exact decimal", () => {
    const values = formValuesFromSettings({ ...{ rate_limit_per_minute: null, concurrency_limit: null, monthly_spend_limit_nanos: null }, routing_defaults: { max_price_per_second: 1e-7 } });
    expect(values.max_price_per_second).toBe("0.0000001");
  });

  it("accepts amounts as people type them and refuses words in number fields", () => {
    const typed: KeySettingsFormValues = { ...empty, monthly_spend_limit_usd: " $1,000.50 ", max_price_per_second: "$0.0001", rate_limit_per_minute: "1,200" };
    expect(settingsPatchFromForm(typed)).toMatchObject({
      ok: true,
      patch: { monthly_spend_limit_usd: "1000.50", rate_limit_per_minute: 1200, routing_defaults: { max_price_per_second: "0.0001" } },
    });
    expect(settingsPatchFromForm({ ...empty, concurrency_limit: "four" })).toEqual({ ok: false, message: "Concurrent requests must be a whole number, or empty for no limit." });
    expect(settingsPatchFromForm({ ...empty, max_ttft_ms: "1.5" })).toMatchObject({ ok: false });
  });

  it("splits comma-separated lists and drops blanks", () => {
    expect(splitList(" a, b,,c ,")).toEqual(["a", "b", "c"]);
    expect(splitList(" , ")).toBeUndefined();
  });

  it("summarizes routing defaults in one line", () => {
    expect(summarizeRoutingDefaults(null)).toBe("");
    expect(summarizeRoutingDefaults({ sort: "price", max_price_per_second: "0.0002", providers: { order: ["a", "b"] }, allow_fallbacks: false })).toBe(
      "sort price · ≤ $0.0002/s · 2 provider rules · no fallbacks",
    );
  });
});
