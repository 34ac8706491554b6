import { ServiceError } from "../../errors";

/**
 * A per-organization throttle for the payout page's buttons that call Stripe on a click (onboarding link, Express
 * dashboard link, account re-read, early payout: a refused early payout does not count against its 24-hour limit,
 * so without this a loop of requests would call transfers.create as fast as Stripe refuses). Stripe's rate limit
 * is the platform's, shared by every provider and every buyer's checkout: one provider hammering a button must
 * not use it up. A token bucket per (action, organization) in this process: CLICK_BURST calls at once, then one
 * per CLICK_REFILL_MS. Per process is enough: the point is to cap one client's loop, not to meter exactly.
 */
export const CLICK_BURST = 10;
export const CLICK_REFILL_MS = 6_000;
const MAX_TRACKED = 10_000;

export type StripeClickAction = "onboarding_link" | "dashboard_link" | "account_sync" | "early_payout";

const buckets = new Map<string, { tokens: number; at_ms: number }>();

export const STRIPE_CLICK_THROTTLED_MESSAGE = "Too many requests to Stripe from your organization in a short time; wait a few seconds and try again.";

/** Takes one call from the organization's bucket for `action`, or throws `rate_limited` (with retry_after_s). */
export function takeStripeClick(action: StripeClickAction, organizationId: string, now: Date): void {
  const key = `${action}:${organizationId}`;
  const now_ms = now.getTime();
  const prev = buckets.get(key);
  const refilled = prev ? Math.min(CLICK_BURST, prev.tokens + Math.max(0, now_ms - prev.at_ms) / CLICK_REFILL_MS) : CLICK_BURST;
  if (refilled < 1) {
    const retry_after_s = Math.ceil(((1 - refilled) * CLICK_REFILL_MS) / 1000);
    throw new ServiceError("rate_limited", STRIPE_CLICK_THROTTLED_MESSAGE, { retry_after_s });
  }
  if (!prev && buckets.size >= MAX_TRACKED) prune(now_ms);
  buckets.set(key, { tokens: refilled - 1, at_ms: now_ms });
}

/** Drops buckets that are full again (nothing to remember), so the map stays bounded. */
function prune(now_ms: number): void {
  for (const [key, b] of buckets) if (b.tokens + (now_ms - b.at_ms) / CLICK_REFILL_MS >= CLICK_BURST) buckets.delete(key);
}
