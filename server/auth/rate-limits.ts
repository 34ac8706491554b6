/**
 * better-auth's limiter, on in every mode (its default is production only). Keys are client IP + path;
 * the IP is the one server/main.ts resolved from the socket and TRUSTED_PROXY_HOPS (CLIENT_IP_HEADER), so
 * X-Forwarded-For cannot pick a fresh bucket per request. Windows are seconds.
 *
 * Sign-in is scrypt-heavy and the target of password guessing; sign-up creates an organization and grants
 * test credit (also capped for all IPs together, test-credit-budget.ts). Paths are relative to /api/auth.
 */
export const AUTH_RATE_LIMIT_RULES: Record<string, { window: number; max: number }> = {
  "/sign-in/*": { window: 60, max: 5 },
  "/sign-up/*": { window: 3600, max: 5 },
  "/change-password": { window: 60, max: 5 },
  "/change-email": { window: 60, max: 5 },
  "/request-password-reset": { window: 3600, max: 5 },
  "/reset-password*": { window: 900, max: 10 },
  "/forget-password*": { window: 3600, max: 5 },
  "/send-verification-email": { window: 3600, max: 5 },
  "/organization/create": { window: 3600, max: 10 },
};

/** Everything else under /api/auth (session reads, organization calls). */
export const AUTH_RATE_LIMIT_DEFAULT = { window: 10, max: 100 };

const MAX_ENTRIES = 100_000;

/**
 * Fixed-window counters in this process's memory, one store per auth instance (better-auth's own memory
 * store is one map for the whole module, shared by every instance a test process builds). One process
 * per deployment is what PGlite allows; several PostgreSQL replicas each count on their own, so the
 * effective limit is N × max there (a shared store would need a table or Redis).
 */
export function createMemoryRateLimitStorage(now_ms: () => number = Date.now) {
  const entries = new Map<string, { count: number; start_ms: number; window_ms: number }>();
  const prune = (now: number) => {
    for (const [key, e] of entries) if (now - e.start_ms >= e.window_ms) entries.delete(key);
    // Still full (a flood of distinct keys): drop the oldest rather than grow without bound.
    for (const key of entries.keys()) {
      if (entries.size <= MAX_ENTRIES) break;
      entries.delete(key);
    }
  };
  return {
    async consume(key: string, rule: { window: number; max: number }): Promise<{ allowed: boolean; retryAfter: number | null }> {
      const now = now_ms();
      if (entries.size >= MAX_ENTRIES) prune(now);
      const window_ms = rule.window * 1000;
      const e = entries.get(key);
      if (!e || now - e.start_ms >= window_ms) {
        entries.delete(key); // re-inserted last: Map order stays oldest-first for pruning
        entries.set(key, { count: 1, start_ms: now, window_ms });
        return { allowed: true, retryAfter: null };
      }
      if (e.count >= rule.max) return { allowed: false, retryAfter: Math.max(1, Math.ceil((e.start_ms + window_ms - now) / 1000)) };
      e.count++;
      return { allowed: true, retryAfter: null };
    },
  };
}
