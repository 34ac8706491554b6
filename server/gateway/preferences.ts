import { usdToNanos } from "../../lib/money";
import type { Preferences } from "../router/types";
import type { SpotlanePreferences } from "./schemas";

export function usdPerSecondToNanos(v: number | string): bigint {
  return usdToNanos(typeof v === "number" ? v.toFixed(9) : v);
}

/** The request's `spotlane` options over the key's defaults, field by field; then the router's defaults. */
export function resolvePreferences(body: SpotlanePreferences | undefined, keyDefaults: SpotlanePreferences | null): Preferences {
  const merged: SpotlanePreferences = { ...(keyDefaults ?? {}), ...(body ?? {}) };
  return {
    sort: merged.sort ?? "balanced",
    max_price_nanos_per_second: merged.max_price_per_second === undefined ? undefined : usdPerSecondToNanos(merged.max_price_per_second),
    max_ttft_ms: merged.max_ttft_ms,
    hardware: merged.hardware,
    quantizations: merged.quantizations?.map((q) => q.toLowerCase()),
    providers: merged.providers,
    allow_fallbacks: merged.allow_fallbacks ?? true,
  };
}
