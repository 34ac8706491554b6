/**
 * Why an off-session charge failed, in words the team lead reads on the Billing page (and the top-up row keeps).
 * Built from Stripe's `code` / `decline_code` (a card error, or a PaymentIntent's `last_payment_error`), never from
 * Stripe's free-text message: the wording stays ours and in one place.
 */
export type ChargeFailure = { code?: string | null; decline_code?: string | null };

const OFF_UNTIL_ON = "auto top-up is off until you turn it on again";

/** Issuer decline codes worth naming; anything else is shown as Stripe spells it, underscores as spaces. */
const DECLINE_WORDS: Record<string, string> = {
  generic_decline: "declined by your bank",
  do_not_honor: "declined by your bank",
  insufficient_funds: "insufficient funds",
  lost_card: "the card was reported lost",
  stolen_card: "the card was reported stolen",
  card_velocity_exceeded: "the card's spending limit was reached",
  withdrawal_count_limit_exceeded: "the card's spending limit was reached",
  expired_card: "the card has expired",
  incorrect_cvc: "the security code was refused",
  processing_error: "a processing error at the card network",
  fraudulent: "declined by your bank",
};

export const AUTHENTICATION_REQUIRED_REASON = `Your bank asks for authentication (3-D Secure), which needs you present: top up once by hand; ${OFF_UNTIL_ON}.`;

export function isAuthenticationRequired(f: ChargeFailure): boolean {
  return f.code === "authentication_required" || f.decline_code === "authentication_required";
}

export function autoTopUpFailureReason(f: ChargeFailure): string {
  if (isAuthenticationRequired(f)) return AUTHENTICATION_REQUIRED_REASON;
  if (f.code === "expired_card" || f.decline_code === "expired_card") return `Your card has expired; pay one top-up by card to save a new one, then turn auto top-up on again (${OFF_UNTIL_ON}).`;
  const code = f.decline_code ?? (f.code && f.code !== "card_declined" ? f.code : null);
  const words = code ? (DECLINE_WORDS[code] ?? code.replace(/_/g, " ")) : "no reason given";
  return `Your card was declined (${words}); ${OFF_UNTIL_ON}.`;
}
