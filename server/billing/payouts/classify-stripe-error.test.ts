import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  ACCOUNT_CANNOT_RECEIVE_REASON,
  BANK_BALANCE_SHORT_MESSAGE,
  BANK_PAYOUTS_NOT_ALLOWED_MESSAGE,
  bankFailureMessage,
  bankPayoutRefusal,
  PLATFORM_BALANCE_SHORT_REASON,
  transferRefusal,
} from "./classify-stripe-error";

/** Errors exactly as the SDK builds them from Stripe's JSON (generateV1Error picks the class by status and type). */
const stripeError = (statusCode: number, raw: { type: string; code?: string; message?: string }) =>
  Stripe.errors.StripeError.generate({ statusCode, message: raw.message ?? "x", ...raw } as never);

describe("transferRefusal", () => {
  it("a short platform balance and an account that cannot receive transfers are refusals, in the provider's words", () => {
    expect(transferRefusal(stripeError(400, { type: "invalid_request_error", code: "balance_insufficient" }))).toEqual({ code: "balance_insufficient", reason: PLATFORM_BALANCE_SHORT_REASON });
    expect(transferRefusal(stripeError(400, { type: "invalid_request_error", code: "insufficient_capabilities_for_transfer" }))).toEqual({ code: "insufficient_capabilities_for_transfer", reason: ACCOUNT_CANNOT_RECEIVE_REASON });
    expect(transferRefusal(stripeError(403, { type: "invalid_request_error" }))?.reason).toBe(ACCOUNT_CANNOT_RECEIVE_REASON);
    expect(transferRefusal(stripeError(404, { type: "invalid_request_error", code: "resource_missing" }))?.reason).toMatch(/resource missing.*payable again/);
  });

  it("transient and ambiguous errors are not refusals: the job retries under the same key", () => {
    for (const err of [
      stripeError(500, { type: "api_error" }),
      stripeError(409, { type: "invalid_request_error", code: "idempotency_key_in_use" }),
      stripeError(429, { type: "invalid_request_error", code: "rate_limit" }),
      stripeError(400, { type: "invalid_request_error", code: "rate_limit" }),
      stripeError(400, { type: "idempotency_error" }),
      stripeError(401, { type: "invalid_request_error" }),
      new Stripe.errors.StripeConnectionError({ message: "socket hang up" }),
      new Error("ECONNRESET"),
    ]) {
      expect(transferRefusal(err)).toBeNull();
      expect(bankPayoutRefusal(err)).toBeNull();
    }
  });
});

describe("bankPayoutRefusal", () => {
  it("names the connected balance and payouts not allowed", () => {
    expect(bankPayoutRefusal(stripeError(400, { type: "invalid_request_error", code: "balance_insufficient" }))?.reason).toBe(BANK_BALANCE_SHORT_MESSAGE);
    expect(bankPayoutRefusal(stripeError(400, { type: "invalid_request_error", code: "payouts_not_allowed" }))?.reason).toBe(BANK_PAYOUTS_NOT_ALLOWED_MESSAGE);
    expect(bankPayoutRefusal(stripeError(400, { type: "invalid_request_error", code: "parameter_invalid_integer" }))?.reason).toMatch(/parameter invalid integer/);
  });
});

describe("bankFailureMessage", () => {
  it("uses Stripe's message for a failed payout, ours for a canceled one, none otherwise", () => {
    expect(bankFailureMessage({ status: "failed", failure_code: "account_closed", failure_message: "The bank account has been closed." })).toBe(
      "Your bank payout failed: The bank account has been closed. The money stays in your Stripe balance and the payout is asked for again with the next payout run.",
    );
    expect(bankFailureMessage({ status: "failed", failure_code: "could_not_process", failure_message: null })).toMatch(/failed: could not process\./);
    expect(bankFailureMessage({ status: "canceled", failure_code: null, failure_message: null })).toMatch(/canceled/);
    expect(bankFailureMessage({ status: "paid", failure_code: null, failure_message: null })).toBeNull();
  });
});
