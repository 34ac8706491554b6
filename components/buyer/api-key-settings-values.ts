// Relative (not "@/"): this pure module is unit-tested, and vitest does not read tsconfig paths.
import { nanosToUsdString, usdToNanos } from "../../lib/money";
import type { ApiKeySettings } from "@/server/buyers/update-api-key-settings";
import type { SpotlanePreferences } from "@/server/gateway/schemas";
import type { UpdateApiKeySettingsRequest } from "@/server/trpc/routers/buyer";

export const ROUTING_SORTS = ["price", "latency", "throughput", "balanced"] as const;
type Sort = (typeof ROUTING_SORTS)[number];

/** What the settings form edits: every field as typed; "" means unset (unlimited / no default). */
export type KeySettingsFormValues = {
  rate_limit_per_minute: string;
  concurrency_limit: string;
  monthly_spend_limit_usd: string;
  sort: "" | Sort;
  max_price_per_second: string;
  max_ttft_ms: string;
  hardware_only: string;
  hardware_ignore: string;
  quantizations: string;
  providers_order: string;
  providers_only: string;
  providers_ignore: string;
  /** Fallbacks are on unless turned off, so only `false` is stored. */
  allow_fallbacks: boolean;
};

export type KeySettingsPatch = Omit<UpdateApiKeySettingsRequest, "id">;

const joinList = (l: string[] | undefined) => (l ?? []).join(", ");

/** A USD amount as stored in routing defaults (a decimal string, or a number from an API caller), exact. */
function usdText(v: number | string | undefined): string {
  if (v === undefined) return "";
  return typeof v === "string" ? v : nanosToUsdString(usdToNanos(v.toFixed(9)));
}

export function formValuesFromSettings(s: ApiKeySettings): KeySettingsFormValues {
  const r: SpotlanePreferences = s.routing_defaults ?? {};
  return {
    rate_limit_per_minute: s.rate_limit_per_minute === null ? "" : String(s.rate_limit_per_minute),
    concurrency_limit: s.concurrency_limit === null ? "" : String(s.concurrency_limit),
    monthly_spend_limit_usd: s.monthly_spend_limit_nanos === null ? "" : nanosToUsdString(s.monthly_spend_limit_nanos),
    sort: r.sort ?? "",
    max_price_per_second: usdText(r.max_price_per_second),
    max_ttft_ms: r.max_ttft_ms === undefined ? "" : String(r.max_ttft_ms),
    hardware_only: joinList(r.hardware?.only),
    hardware_ignore: joinList(r.hardware?.ignore),
    quantizations: joinList(r.quantizations),
    providers_order: joinList(r.providers?.order),
    providers_only: joinList(r.providers?.only),
    providers_ignore: joinList(r.providers?.ignore),
    allow_fallbacks: r.allow_fallbacks !== false,
  };
}

/** "a, b,,c " → ["a", "b", "c"]; nothing → undefined (no constraint). */
export function splitList(text: string): string[] | undefined {
  const items = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return items.length > 0 ? items : undefined;
}

/** "$1,250.50" → "1250.50": people paste amounts with a sign and separators. */
function cleanUsd(text: string): string {
  return text.trim().replace(/^\$/, "").replace(/,/g, "").trim();
}

function wholeNumber(text: string, label: string): number | null {
  const t = text.trim().replace(/,/g, "");
  if (t === "") return null;
  if (!/^\d+$/.test(t)) throw new Error(`${label} must be a whole number, or empty for no limit.`);
  return Number(t);
}

/**
 * The form as an `updateSettings` patch: every field is sent, so the key ends up exactly as the form
 * shows it (empty = cleared). Only the obvious is checked here (is it a number); the server decides the
 * rest and its message is shown as is.
 */
export function settingsPatchFromForm(v: KeySettingsFormValues): { ok: true; patch: KeySettingsPatch } | { ok: false; message: string } {
  try {
    const maxTtft = wholeNumber(v.max_ttft_ms, "Max time to first token");
    const price = cleanUsd(v.max_price_per_second);
    const spend = cleanUsd(v.monthly_spend_limit_usd);
    const hardware = { only: splitList(v.hardware_only), ignore: splitList(v.hardware_ignore) };
    const providers = { order: splitList(v.providers_order), only: splitList(v.providers_only), ignore: splitList(v.providers_ignore) };
    const prefs: SpotlanePreferences = {
      ...(v.sort ? { sort: v.sort } : {}),
      ...(price ? { max_price_per_second: price } : {}),
      ...(maxTtft !== null ? { max_ttft_ms: maxTtft } : {}),
      ...(hardware.only || hardware.ignore ? { hardware: stripUndefined(hardware) } : {}),
      ...(splitList(v.quantizations) ? { quantizations: splitList(v.quantizations) } : {}),
      ...(providers.order || providers.only || providers.ignore ? { providers: stripUndefined(providers) } : {}),
      ...(v.allow_fallbacks ? {} : { allow_fallbacks: false }),
    };
    return {
      ok: true,
      patch: {
        rate_limit_per_minute: wholeNumber(v.rate_limit_per_minute, "Requests per minute"),
        concurrency_limit: wholeNumber(v.concurrency_limit, "Concurrent requests"),
        monthly_spend_limit_usd: spend === "" ? null : spend,
        routing_defaults: Object.keys(prefs).length > 0 ? prefs : null,
      },
    };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;
}

/** One line for the keys table: "sort price · ≤ $0.0002/s · TTFT ≤ 800 ms"; "" when there are no defaults. */
export function summarizeRoutingDefaults(r: SpotlanePreferences | null): string {
  if (!r) return "";
  const parts: string[] = [];
  if (r.sort) parts.push(`sort ${r.sort}`);
  if (r.max_price_per_second !== undefined) parts.push(`≤ $${usdText(r.max_price_per_second)}/s`);
  if (r.max_ttft_ms !== undefined) parts.push(`TTFT ≤ ${r.max_ttft_ms.toLocaleString("en-US")} ms`);
  if (r.hardware?.only?.length) parts.push(`hardware ${r.hardware.only.join(", ")}`);
  if (r.hardware?.ignore?.length) parts.push(`not ${r.hardware.ignore.join(", ")}`);
  if (r.quantizations?.length) parts.push(r.quantizations.join(", "));
  const providerRules = (r.providers?.order?.length ?? 0) + (r.providers?.only?.length ?? 0) + (r.providers?.ignore?.length ?? 0);
  if (providerRules > 0) parts.push(`${providerRules} provider rule${providerRules === 1 ? "" : "s"}`);
  if (r.allow_fallbacks === false) parts.push("no fallbacks");
  return parts.join(" · ");
}
