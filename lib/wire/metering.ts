/**
 * How an agent tells the gateway the slot time it served a request (README "Pricing rules", billed time):
 * from the moment its engine slot was acquired to the end of the answer, queueing excluded. Non-streamed
 * answers carry it in a response header, streams in their final usage chunk (`usage.served_ms`). The gateway
 * strips both before the buyer sees the answer and bills at most this figure.
 */
export const SERVED_MS_HEADER = "x-spotlane-served-ms";
export const SERVED_MS_USAGE_FIELD = "served_ms";

/** The reported figure as whole ms, or null when absent or not a sane non-negative number. */
export function parseServedMs(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : typeof value === "number" ? value : NaN;
  if (!Number.isFinite(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) return null;
  return Math.round(n);
}
