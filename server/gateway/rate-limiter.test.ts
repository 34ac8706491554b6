import { describe, expect, it } from "vitest";
import type { ResolvedKey } from "./api-key-cache";
import { KeyRateLimiter } from "./rate-limiter";

const key = (over: Partial<ResolvedKey>): ResolvedKey => ({ apiKeyId: "key_1", organizationId: "org_1", rate_limit_per_minute: null, concurrency_limit: null, monthly_spend_limit_nanos: null, routing_defaults: null, ...over });

describe("KeyRateLimiter", () => {
  it("allows a minute's budget at once, then refills continuously", () => {
    let now = 0;
    const rl = new KeyRateLimiter(() => now);
    const k = key({ rate_limit_per_minute: 3 });
    for (let i = 0; i < 3; i++) rl.admit(k)();
    expect(() => rl.admit(k)).toThrow(/3 requests per minute/);
    now += 20_000; // one token back
    rl.admit(k)();
    expect(() => rl.admit(k)).toThrow();
  });

  it("limits requests in flight and frees a slot on release (once)", () => {
    const rl = new KeyRateLimiter(() => 0);
    const k = key({ concurrency_limit: 2 });
    const a = rl.admit(k);
    rl.admit(k);
    expect(() => rl.admit(k)).toThrow(/Concurrency limit/);
    a();
    a();
    rl.admit(k);
    expect(() => rl.admit(k)).toThrow();
  });
});
