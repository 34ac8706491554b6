import { describe, expect, it } from "vitest";
import { AUTHENTICATION_REQUIRED_REASON, autoTopUpFailureReason, isAuthenticationRequired } from "./failure-reason";

describe("autoTopUpFailureReason", () => {
  it("names 3-D Secure whether Stripe puts it in the code or the decline code", () => {
    expect(autoTopUpFailureReason({ code: "authentication_required" })).toBe(AUTHENTICATION_REQUIRED_REASON);
    expect(autoTopUpFailureReason({ code: "card_declined", decline_code: "authentication_required" })).toBe(AUTHENTICATION_REQUIRED_REASON);
    expect(isAuthenticationRequired({ code: "card_declined", decline_code: "generic_decline" })).toBe(false);
  });

  it("says why a card was declined and that auto top-up is off", () => {
    expect(autoTopUpFailureReason({ code: "card_declined", decline_code: "insufficient_funds" })).toBe("Your card was declined (insufficient funds); auto top-up is off until you turn it on again.");
    expect(autoTopUpFailureReason({ code: "card_declined", decline_code: "generic_decline" })).toContain("(declined by your bank)");
    expect(autoTopUpFailureReason({ code: "card_declined" })).toContain("(no reason given)");
    expect(autoTopUpFailureReason({ code: "card_declined", decline_code: "some_new_code" })).toContain("(some new code)");
    expect(autoTopUpFailureReason({ code: "incorrect_cvc" })).toContain("(the security code was refused)");
  });

  it("asks for a new card when the saved one expired", () => {
    expect(autoTopUpFailureReason({ code: "expired_card" })).toMatch(/^Your card has expired; pay one top-up by card/);
  });
});
