/**
 * PURE: an offer's reliability score in [0, 1], the product of three success rates:
 *
 *   heartbeat uptime      (up_ms + 1 min) ÷ (observed_ms + 1 min)            time-decayed, see uptime.ts
 *   buyer dispatches      (requests − failed + 2) ÷ (requests + 2)          last 24 h; aborted (buyer hung up) not counted
 *   canaries              (passed + 2) ÷ (runs + 2)                          last 20 canaries
 *
 * Each rate starts from a small prior of perfect behaviour, so one early failure does not sink a new
 * offer and a handful of successes does not make it perfect. A product, because each factor is a
 * chance the request is lost: a machine that is up 90% of the time and fails 10% of what it gets
 * delivers ~81%. Null before the first canary: nothing has been observed yet.
 */
export type ReliabilityInputs = {
  heartbeat_up_ms: number;
  heartbeat_observed_ms: number;
  buyer_requests: number;
  buyer_failed: number;
  canary_runs: number;
  canary_passed: number;
};

export const RELIABILITY_PRIORS = { uptime_ms: 60_000, requests: 2, canaries: 2 } as const;
export const RELIABILITY_CANARY_WINDOW = 20;
export const RELIABILITY_REQUEST_WINDOW_MS = 24 * 3600 * 1000;

const rate = (good: number, total: number, prior: number) => {
  const g = Math.max(0, Math.min(good, total));
  return (g + prior) / (Math.max(0, total) + prior);
};

export function reliabilityScore(i: ReliabilityInputs): number | null {
  if (i.canary_runs <= 0) return null;
  const uptime = rate(i.heartbeat_up_ms, i.heartbeat_observed_ms, RELIABILITY_PRIORS.uptime_ms);
  const dispatch = rate(i.buyer_requests - i.buyer_failed, i.buyer_requests, RELIABILITY_PRIORS.requests);
  const canaries = rate(i.canary_passed, i.canary_runs, RELIABILITY_PRIORS.canaries);
  return uptime * dispatch * canaries;
}
