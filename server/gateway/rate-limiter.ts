import { ServiceError } from "../errors";
import type { ResolvedKey } from "./api-key-cache";

/**
 * Per-key requests/minute (token bucket refilled continuously) and concurrent-request limits.
 * In-process: with N gateway replicas each enforces the limit on its own share of traffic.
 */
export class KeyRateLimiter {
  private buckets = new Map<string, { tokens: number; at_ms: number }>();
  private inflight = new Map<string, number>();

  constructor(private now_ms: () => number) {}

  /** Admits one request or throws 429; call the returned release exactly once when it ends. */
  admit(key: ResolvedKey): () => void {
    const now = this.now_ms();
    if (key.rate_limit_per_minute !== null) {
      const cap = key.rate_limit_per_minute;
      const b = this.buckets.get(key.apiKeyId) ?? { tokens: cap, at_ms: now };
      b.tokens = Math.min(cap, b.tokens + ((now - b.at_ms) * cap) / 60_000);
      b.at_ms = now;
      this.buckets.set(key.apiKeyId, b);
      if (b.tokens < 1) {
        const wait_s = Math.ceil(((1 - b.tokens) * 60) / cap);
        throw new ServiceError("rate_limited", `Rate limit reached for this API key: ${cap} requests per minute. Retry in ${wait_s} s.`, { retry_after_s: wait_s });
      }
      b.tokens -= 1;
    }
    const current = this.inflight.get(key.apiKeyId) ?? 0;
    if (key.concurrency_limit !== null && current >= key.concurrency_limit) {
      if (key.rate_limit_per_minute !== null) this.buckets.get(key.apiKeyId)!.tokens += 1;
      throw new ServiceError("rate_limited", `Concurrency limit reached for this API key: ${key.concurrency_limit} requests in flight. Retry when one finishes.`, { retry_after_s: 1 });
    }
    this.inflight.set(key.apiKeyId, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.inflight.get(key.apiKeyId) ?? 1) - 1;
      if (n <= 0) this.inflight.delete(key.apiKeyId);
      else this.inflight.set(key.apiKeyId, n);
    };
  }
}
