import Stripe from "stripe";

/**
 * Which Stripe errors are Stripe's final word on a payout, and the words a provider reads for them (their payout
 * history shows `failure_reason` / `bank_failure_message`). Decided by the error's class and `code`, never by
 * Stripe's free text. Everything else (connection errors, 5xx, 409 "same key in flight", 429, idempotency errors,
 * authentication) is ours or transient: the caller throws and the job retries under the same idempotency key.
 */
export type StripeRefusal = { code: string | null; reason: string };

/** A 400/404 (invalid request) or 403 (permission): Stripe looked at the request and will not do it. */
function refusedCode(err: unknown): { code: string | null } | null {
  if (err instanceof Stripe.errors.StripeIdempotencyError || err instanceof Stripe.errors.StripeRateLimitError) return null;
  if (err instanceof Stripe.errors.StripeInvalidRequestError || err instanceof Stripe.errors.StripePermissionError) return { code: err.code ?? null };
  return null;
}

const words = (code: string | null) => (code ? code.replace(/_/g, " ") : "no reason given");

/** Codes Stripe gives when the destination account may not receive transfers (capability missing or account unusable). */
const ACCOUNT_CANNOT_RECEIVE = new Set(["insufficient_capabilities_for_transfer", "transfers_not_allowed", "account_invalid", "account_closed", "capability_disabled", "capability_not_enabled"]);

export const PLATFORM_BALANCE_SHORT_REASON =
  "The marketplace's Stripe balance could not cover this payout when it was sent. Nothing left your earnings: the amount is payable again and goes out with the next payout.";
export const ACCOUNT_CANNOT_RECEIVE_REASON =
  "Your Stripe account cannot receive transfers yet: finish what Stripe still asks for under Payouts. The amount is payable again and goes out with the next payout once Stripe allows it.";

/** transfers.create refused: the payout becomes `failed` and its amount payable again. Null: not a refusal (retry). */
export function transferRefusal(err: unknown): StripeRefusal | null {
  const refused = refusedCode(err);
  if (!refused) return null;
  const { code } = refused;
  if (code === "balance_insufficient") return { code, reason: PLATFORM_BALANCE_SHORT_REASON };
  if (err instanceof Stripe.errors.StripePermissionError || (code !== null && ACCOUNT_CANNOT_RECEIVE.has(code))) return { code, reason: ACCOUNT_CANNOT_RECEIVE_REASON };
  return { code, reason: `Stripe refused this transfer (${words(code)}). Nothing left your earnings: the amount is payable again and goes out with the next payout.` };
}

export const BANK_BALANCE_SHORT_MESSAGE =
  "Your Stripe balance was smaller than this payout (part of the transfer may have been reversed), so your bank payout was not made; it is asked for again with the next payout run.";
export const BANK_PAYOUTS_NOT_ALLOWED_MESSAGE =
  "Stripe does not allow payouts to your bank account yet: check your bank details under Payouts. The money stays in your Stripe balance and the payout is asked for again with the next payout run.";

/** payouts.create (on the connected account) refused: recorded on the payout and asked for again later. Null: retry. */
export function bankPayoutRefusal(err: unknown): StripeRefusal | null {
  const refused = refusedCode(err);
  if (!refused) return null;
  const { code } = refused;
  if (code === "balance_insufficient") return { code, reason: BANK_BALANCE_SHORT_MESSAGE };
  if (err instanceof Stripe.errors.StripePermissionError || code === "payouts_not_allowed" || code === "account_invalid" || code === "bank_account_unusable" || code === "no_external_account") {
    return { code, reason: BANK_PAYOUTS_NOT_ALLOWED_MESSAGE };
  }
  return { code, reason: `Stripe refused the bank payout (${words(code)}). The money stays in your Stripe balance and the payout is asked for again with the next payout run.` };
}

/** What a failed or canceled bank payout tells its provider: Stripe's message for it (written for account holders), else its code. */
export function bankFailureMessage(payout: Pick<Stripe.Payout, "status" | "failure_code" | "failure_message">): string | null {
  if (payout.status === "canceled") return "The bank payout was canceled; the money stays in your Stripe balance and the payout is asked for again with the next payout run.";
  if (payout.status !== "failed") return null;
  const why = (payout.failure_message ?? words(payout.failure_code ?? null)).replace(/\.+$/, "");
  return `Your bank payout failed: ${why}. The money stays in your Stripe balance and the payout is asked for again with the next payout run.`;
}
