import { describe, expect, it } from "vitest";
import { ServiceError } from "../../errors";
import { CLICK_BURST, CLICK_REFILL_MS, takeStripeClick } from "./stripe-click-throttle";

describe("takeStripeClick", () => {
  const t0 = new Date("2026-12-02T00:00:00Z");
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it("lets a burst through, then refuses with rate_limited until a token refills", () => {
    for (let i = 0; i < CLICK_BURST; i++) takeStripeClick("onboarding_link", "org_hammer", t0);
    let err: unknown;
    try {
      takeStripeClick("onboarding_link", "org_hammer", at(10));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe("rate_limited");
    expect(() => takeStripeClick("onboarding_link", "org_hammer", at(CLICK_REFILL_MS))).not.toThrow();
    expect(() => takeStripeClick("onboarding_link", "org_hammer", at(CLICK_REFILL_MS + 10))).toThrow(ServiceError);
  });

  it("is per organization and per action", () => {
    for (let i = 0; i < CLICK_BURST; i++) takeStripeClick("dashboard_link", "org_a", t0);
    expect(() => takeStripeClick("dashboard_link", "org_a", t0)).toThrow(ServiceError);
    expect(() => takeStripeClick("dashboard_link", "org_b", t0)).not.toThrow();
    expect(() => takeStripeClick("account_sync", "org_a", t0)).not.toThrow();
  });
});
