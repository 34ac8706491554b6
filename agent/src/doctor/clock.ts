// Clock skew against the marketplace from an HTTP Date header. The gateway signs requests with
// its clock and the agent refuses any older or newer than 30 s by its own (lib/signing.ts), so a
// skewed clock makes every request fail as "stale_timestamp".
import { MAX_SIGNATURE_SKEW_MS } from "../../../lib/signing";

export type Skew = { skew_ms: number; uncertainty_ms: number };

/**
 * `date` has one-second resolution (RFC 9110 IMF-fixdate, truncated), so the server's time at
 * the response lies in [date, date + 1 s); the request took [sent_ms, received_ms] on our clock.
 * Positive skew: this machine's clock is ahead.
 */
export function clockSkew(dateHeader: string, sent_ms: number, received_ms: number): Skew | null {
  const server_ms = Date.parse(dateHeader);
  if (!Number.isFinite(server_ms)) return null;
  const local_mid_ms = (sent_ms + received_ms) / 2;
  return { skew_ms: Math.round(local_mid_ms - (server_ms + 500)), uncertainty_ms: Math.round(500 + (received_ms - sent_ms) / 2) };
}

/** NTP keeps clocks within milliseconds; seconds of skew mean no time sync, 30 s means refused requests. */
export const SKEW_WARN_MS = 5_000;

export function skewVerdict(s: Skew): "ok" | "warn" | "fail" {
  const worst = Math.abs(s.skew_ms) - s.uncertainty_ms;
  if (worst >= MAX_SIGNATURE_SKEW_MS) return "fail";
  if (Math.abs(s.skew_ms) > SKEW_WARN_MS) return "warn";
  return "ok";
}
