import { describe, expect, it } from "vitest";
import { currentUtcMonth, usageExportHref, type UsageExportForm } from "./usage-export-values";

const form = (patch: Partial<UsageExportForm>): UsageExportForm => ({ mode: "month", month: "2026-11", from: "", to: "", keyId: "", model: "", ...patch });

describe("usageExportHref", () => {
  it("links a month, with the key and model only when chosen", () => {
    expect(usageExportHref(form({}))).toEqual({ href: "/api/exports/usage.csv?month=2026-11" });
    expect(usageExportHref(form({ keyId: "key_01jd0000000000000000000000", model: " llama 3/8b " }))).toEqual({ href: "/api/exports/usage.csv?month=2026-11&key=key_01jd0000000000000000000000&model=llama+3%2F8b" });
    expect(usageExportHref(form({ month: "" }))).toEqual({ error: "Pick a month." });
  });

  it("turns a day range (last day included) into a half-open UTC range", () => {
    const r = usageExportHref(form({ mode: "dates", from: "2026-11-01", to: "2026-11-30" }));
    expect(r).toEqual({ href: "/api/exports/usage.csv?from=2026-11-01T00%3A00%3A00.000Z&to=2026-12-01T00%3A00%3A00.000Z" });
    expect("href" in usageExportHref(form({ mode: "dates", from: "2026-11-05", to: "2026-11-05" }))).toBe(true);
  });

  it("says why there is no link for a missing, reversed or too long range", () => {
    expect(usageExportHref(form({ mode: "dates", from: "2026-11-01" }))).toEqual({ error: "Pick a first and a last day." });
    expect(usageExportHref(form({ mode: "dates", from: "2026-11-02", to: "2026-11-01" }))).toEqual({ error: "The last day is before the first." });
    expect(usageExportHref(form({ mode: "dates", from: "2025-01-01", to: "2026-06-01" }))).toEqual({ error: "At most 367 days at a time." });
  });

  it("defaults to the current UTC month", () => {
    expect(currentUtcMonth(new Date("2026-11-30T23:59:59Z"))).toBe("2026-11");
  });
});
