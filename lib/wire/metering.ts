/**
 * How an agent tells the gateway the slot time it served a request (README "Pricing rules", billed time):
 * from the moment its engine slot was acquired to the end of the answer, queueing excluded. Non-streamed
 * answers carry it in a response header, streams in their final usage chunk (`usage.served_ms`). The gateway
 * strips both before the buyer sees the answer and bills at most this figure.
 */
export const SERVED_MS_HEADER = "x-spotlane-served-ms";
export const SERVED_MS_USAGE_FIELD = "served_ms";

/** Where the figure is stored (requests.served_ms, a 32-bit column); a larger report is recorded as this. */
const MAX_SERVED_MS = 2_147_483_647;

/** The reported figure as whole ms (at most MAX_SERVED_MS), or null when absent or not a non-negative number. */
export function parseServedMs(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : typeof value === "number" ? value : NaN;
  if (Number.isNaN(n) || n < 0) return null;
  return Math.min(MAX_SERVED_MS, Math.round(n));
}
