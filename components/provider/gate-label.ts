import { formatUsd } from "../../lib/money";
import type { OfferGateReason } from "../../server/providers/liveness";

/** The gate's name as a provider reads it; the spot gate carries both prices, so the fix is obvious. */
export function gateLabel(reason: OfferGateReason, ask_nanos_per_second: bigint, spot_nanos_per_second: bigint | null): string {
  if (reason === "ask_above_spot" && spot_nanos_per_second !== null) {
    return `ask above spot: your ask ${formatUsd(ask_nanos_per_second)}/s, spot ${formatUsd(spot_nanos_per_second)}/s`;
  }
  return reason;
}
