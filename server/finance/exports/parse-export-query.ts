import { z } from "zod";
import { EXPORT_KINDS, EXPORT_SPECS, EXPORTS_PATH_PREFIX, type ExportKind } from "../../../lib/export-catalog";
import { ServiceError } from "../../errors";
import { resolvePeriod, type Period } from "../period";

/** What a download URL asks for, before anyone has checked who asks. */
export type ExportRequest = {
  kind: ExportKind;
  period: Period;
  /** The `month` asked for, when the period is one (names the file). */
  month: string | null;
  organizationId: string | null;
  apiKeyId: string | null;
  modelId: string | null;
};

/** Model ids are free text chosen by providers; this bounds what a query string can make us compare. */
export const MAX_MODEL_PARAM_LENGTH = 200;

const ID = (prefix: string, label: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `${label} looks like ${prefix}_ followed by 26 letters and digits`);
const INSTANT = z.iso.datetime({ offset: true, message: "an ISO 8601 instant with its offset, e.g. 2026-11-01T00:00:00Z" });

/**
 * Strict: an unknown parameter is refused rather than ignored, since a misspelt `organisation=` would
 * otherwise quietly export every organization's rows.
 */
const QUERY = z
  .object({
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month looks like 2026-11 (year-month, UTC)").optional(),
    from: INSTANT.optional(),
    to: INSTANT.optional(),
    organization: ID("org", "organization").optional(),
    key: ID("key", "key").optional(),
    model: z.string().min(1).max(MAX_MODEL_PARAM_LENGTH).optional(),
  })
  .strict();

/**
 * Parses `/api/exports/<kind>.csv?…`. Throws not_found for a path that names no export, invalid_input (with the
 * parameter in `details.param`) for a query that does not say one period or names an unknown parameter.
 */
export function parseExportRequest(url: string): ExportRequest {
  const parsed = new URL(url, "http://localhost");
  const match = parsed.pathname.startsWith(EXPORTS_PATH_PREFIX) ? /^([a-z-]+)\.csv$/.exec(parsed.pathname.slice(EXPORTS_PATH_PREFIX.length)) : null;
  const kind = match && (EXPORT_KINDS as readonly string[]).includes(match[1]!) ? (match[1] as ExportKind) : null;
  if (!kind) throw new ServiceError("not_found", `No such export. Exports: ${EXPORT_KINDS.map((k) => `${EXPORTS_PATH_PREFIX}${k}.csv`).join(", ")}.`);

  const raw: Record<string, string> = {};
  for (const [name, value] of parsed.searchParams) {
    if (name in raw) throw new ServiceError("invalid_input", `Give '${name.slice(0, 40)}' once.`, { param: name.slice(0, 40) });
    raw[name] = value;
  }
  const query = QUERY.safeParse(raw);
  if (!query.success) {
    const issue = query.error.issues[0]!;
    const param = issue.code === "unrecognized_keys" ? issue.keys[0]! : String(issue.path[0] ?? "");
    const message = issue.code === "unrecognized_keys" ? `Unknown parameter '${param.slice(0, 40)}': exports take month, from, to, organization, key and model.` : `Invalid '${param}': ${issue.message}.`;
    throw new ServiceError("invalid_input", message, { param: param.slice(0, 40) });
  }
  const q = query.data;
  const spec = EXPORT_SPECS[kind];
  if (q.month && (q.from || q.to)) throw new ServiceError("invalid_input", "Give either month or from and to, not both.", { param: "month" });
  if (!q.month && !(q.from && q.to)) {
    const needs = spec.period === "month" ? "month=YYYY-MM" : "month=YYYY-MM, or from and to (ISO 8601 instants)";
    throw new ServiceError("invalid_input", `Say which period: ${needs}.`, { param: q.from ? "to" : q.to ? "from" : "month" });
  }
  if (spec.period === "month" && !q.month) throw new ServiceError("invalid_input", `The ${spec.label.toLowerCase()} export is by calendar month: give month=YYYY-MM.`, { param: "month" });
  if (kind !== "usage" && (q.key || q.model)) throw new ServiceError("invalid_input", "Only the usage export filters by key or model.", { param: q.key ? "key" : "model" });
  const period = resolvePeriod(q.month ? { month: q.month } : { from: new Date(q.from!), to: new Date(q.to!) });
  return { kind, period, month: q.month ?? null, organizationId: q.organization ?? null, apiKeyId: q.key ?? null, modelId: q.model ?? null };
}

/** `spotlane-usage-2026-11.csv`, or for a range `spotlane-journal-20261101T000000Z-20261115T120000Z.csv`. */
export function exportFilename(request: Pick<ExportRequest, "kind" | "period" | "month">): string {
  const stamp = (at: Date) => at.toISOString().replace(/\.000Z$/, "Z").replace(/[-:]/g, "").replace(".", "");
  const when = request.month ?? `${stamp(request.period.start)}-${stamp(request.period.end)}`;
  return `spotlane-${request.kind}-${when}.csv`;
}
