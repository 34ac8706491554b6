import { usdPerSecondToNanos } from "../../lib/wire/inputs";
import { ServiceError } from "../errors";
import type { Preferences } from "../router/types";
import type { SpotlanePreferences } from "./schemas";

/** Validated by `spotlanePreferences` (lib/wire/inputs.ts `usdPerSecond`); a value that slipped past it is still a 400. */
function bidNanos(v: number | string): bigint {
  const nanos = usdPerSecondToNanos(v);
  if (nanos === null) throw new ServiceError("invalid_input", "spotlane.max_price_per_second must be a USD amount per second like 0.0001.", { param: "spotlane.max_price_per_second" });
  return nanos;
}

/** The request's `spotlane` options over the key's defaults, field by field; then the router's defaults. */
export function resolvePreferences(body: SpotlanePreferences | undefined, keyDefaults: SpotlanePreferences | null): Preferences {
  const merged: SpotlanePreferences = { ...(keyDefaults ?? {}), ...(body ?? {}) };
  return {
    sort: merged.sort ?? "balanced",
    max_price_nanos_per_second: merged.max_price_per_second === undefined ? undefined : bidNanos(merged.max_price_per_second),
    max_ttft_ms: merged.max_ttft_ms,
    hardware: merged.hardware,
    quantizations: merged.quantizations?.map((q) => q.toLowerCase()),
    providers: merged.providers,
    allow_fallbacks: merged.allow_fallbacks ?? true,
  };
}
