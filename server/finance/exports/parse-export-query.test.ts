import { describe, expect, it } from "vitest";
import { ServiceError } from "../../errors";
import { exportFilename, parseExportRequest } from "./parse-export-query";

const ORG = "org_01jd0000000000000000000000";
const KEY = "key_01jd0000000000000000000000";

function refused(url: string): { code: string; param: unknown } {
  try {
    parseExportRequest(url);
  } catch (err) {
    if (err instanceof ServiceError) return { code: err.code, param: err.details?.param };
    throw err;
  }
  throw new Error(`accepted ${url}`);
}

describe("parseExportRequest", () => {
  it("reads a month, an organization, a key and a model", () => {
    const r = parseExportRequest(`/api/exports/usage.csv?month=2026-11&organization=${ORG}&key=${KEY}&model=llama-3.1-8b`);
    expect(r).toEqual({ kind: "usage", period: { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") }, month: "2026-11", organizationId: ORG, apiKeyId: KEY, modelId: "llama-3.1-8b" });
    expect(exportFilename(r)).toBe("spotlane-usage-2026-11.csv");
  });

  it("reads a from/to range of instants, offsets included, and names the file by it", () => {
    const r = parseExportRequest("/api/exports/journal.csv?from=2026-11-01T00:00:00Z&to=2026-11-15T13:30:00%2B01:00");
    expect(r.period).toEqual({ start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-11-15T12:30:00Z") });
    expect(r.month).toBeNull();
    expect(exportFilename(r)).toBe("spotlane-journal-20261101T000000Z-20261115T123000Z.csv");
  });

  it("404s a path that names no export", () => {
    expect(refused("/api/exports/secrets.csv?month=2026-11").code).toBe("not_found");
    expect(refused("/api/exports/usage.json?month=2026-11").code).toBe("not_found");
    expect(refused("/api/exports/usage.csv/x?month=2026-11").code).toBe("not_found");
  });

  it("refuses a query that does not say exactly one valid period", () => {
    expect(refused("/api/exports/usage.csv")).toEqual({ code: "invalid_input", param: "month" });
    expect(refused("/api/exports/usage.csv?month=2026-13")).toEqual({ code: "invalid_input", param: "month" });
    expect(refused("/api/exports/usage.csv?month=2026-1")).toEqual({ code: "invalid_input", param: "month" });
    expect(refused("/api/exports/usage.csv?month=2026-11&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z").code).toBe("invalid_input");
    expect(refused("/api/exports/usage.csv?from=2026-11-01T00:00:00Z")).toEqual({ code: "invalid_input", param: "to" });
    expect(refused("/api/exports/usage.csv?from=2026-11-01&to=2026-12-01").code).toBe("invalid_input");
    expect(refused("/api/exports/usage.csv?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z").code).toBe("invalid_input");
    expect(refused("/api/exports/usage.csv?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z").code).toBe("invalid_input");
    // A month kind takes months only.
    expect(refused("/api/exports/buyer-statements.csv?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z")).toEqual({ code: "invalid_input", param: "month" });
  });

  it("refuses unknown, repeated or malformed parameters rather than ignoring them", () => {
    expect(refused("/api/exports/usage.csv?month=2026-11&organisation=org_x")).toEqual({ code: "invalid_input", param: "organisation" });
    expect(refused("/api/exports/usage.csv?month=2026-11&month=2026-10")).toEqual({ code: "invalid_input", param: "month" });
    expect(refused("/api/exports/usage.csv?month=2026-11&organization=acme")).toEqual({ code: "invalid_input", param: "organization" });
    expect(refused("/api/exports/usage.csv?month=2026-11&key=sk-spot-123")).toEqual({ code: "invalid_input", param: "key" });
    expect(refused(`/api/exports/usage.csv?month=2026-11&model=${"m".repeat(201)}`)).toEqual({ code: "invalid_input", param: "model" });
    expect(refused(`/api/exports/journal.csv?month=2026-11&key=${KEY}`)).toEqual({ code: "invalid_input", param: "key" });
  });
});
