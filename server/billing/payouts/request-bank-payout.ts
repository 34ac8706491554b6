import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { payouts } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { stripeAmountCents, type StripeBilling } from "../stripe/client";
import { applyBankPayoutObject } from "./apply-bank-payout";
import { bankPayoutRefusal } from "./classify-stripe-error";
import type { PayoutRow } from "./mark-transferred";

export type BankPayoutRequestOutcome =
  /** Stripe accepted the bank payout (or had already: the same key answered the same payout). */
  | "requested"
  /** Stripe refused it (e.g. the connected balance is short after a reversal): recorded, asked again later. */
  | "refused"
  /** Nothing to ask: not transferred, nothing left after reversals, or a bank payout already on its way or paid. */
  | "not_needed";

export const bankPayoutIdempotencyKey = (payoutId: string, bankAttempt: number) => `payout:${payoutId}:bank:${bankAttempt}`;

/**
 * The bank payout's parameters. Everything comes from the row, so a retry under the same key sends the same
 * request; the attempt number in the metadata tells a payout.* event which attempt it is about.
 */
export function bankPayoutParams(row: Pick<PayoutRow, "id" | "amountNanos" | "amountReversedNanos">, bankAttempt: number): Stripe.PayoutCreateParams {
  return {
    amount: stripeAmountCents(row.amountNanos - row.amountReversedNanos),
    currency: "usd",
    description: "Spotlane earnings",
    metadata: { payout_id: row.id, bank_attempt: String(bankAttempt) },
  };
}

/**
 * Asks Stripe to pay a transferred payout out of the provider's Stripe balance to their bank (the account's
 * schedule is manual: the platform decides when). Attempt n uses key `payout:<id>:bank:<n>`; `bank_attempts`
 * moves to n+1 (its own committed statement, before the call) only when there is no attempt yet or the last one
 * failed or was canceled, so a crash after Stripe answered re-sends attempt n and gets the same payout back.
 * A refusal is recorded (`bank_status` failed, the message) and asked for again with the next run; connection
 * errors, 5xx and 429 throw for the job to retry.
 */
export async function requestBankPayout(ctx: ServiceContext & { stripe: StripeBilling }, payout: Pick<PayoutRow, "id">): Promise<BankPayoutRequestOutcome> {
  const [row] = await ctx.db.select().from(payouts).where(eq(payouts.id, payout.id));
  if (!row || row.status !== "transferred" || row.amountNanos - row.amountReversedNanos <= 0n) return "not_needed";
  if (row.bankStatus === "pending" || row.bankStatus === "in_transit" || row.bankStatus === "paid") return "not_needed";

  let attempt = row.bankAttempts;
  if (row.bankStatus !== null || row.bankAttempts === 0) {
    // A new attempt: nothing asked yet, or the last one failed or was canceled (its key would answer that again).
    // Its row looks like one never asked (no id, status or message) until Stripe answers, so a crash in between
    // is resumed (findResumablePayouts) under this attempt's key.
    const [next] = await ctx.db
      .update(payouts)
      .set({ bankAttempts: sql`${payouts.bankAttempts} + 1`, bankPayoutId: null, bankStatus: null, bankArrivalAt: null, bankFailureMessage: null, updatedAt: ctx.now() })
      .where(and(eq(payouts.id, row.id), eq(payouts.bankAttempts, row.bankAttempts), or(isNull(payouts.bankStatus), inArray(payouts.bankStatus, ["failed", "canceled"]))))
      .returning({ bankAttempts: payouts.bankAttempts });
    // Another caller started it first: its attempt is the current one.
    if (!next) return "not_needed";
    attempt = next.bankAttempts;
  }

  let created: Stripe.Payout;
  try {
    created = await ctx.stripe.client.payouts.create(bankPayoutParams(row, attempt), { stripeAccount: row.stripeAccountId, idempotencyKey: bankPayoutIdempotencyKey(row.id, attempt) });
  } catch (err) {
    const refused = bankPayoutRefusal(err);
    if (!refused) throw err;
    await ctx.db
      .update(payouts)
      .set({ bankStatus: "failed", bankFailureMessage: refused.reason, updatedAt: ctx.now() })
      .where(and(eq(payouts.id, row.id), eq(payouts.bankAttempts, attempt), isNull(payouts.bankPayoutId)));
    return "refused";
  }
  await ctx.db.transaction((tx) => applyBankPayoutObject(tx, { payoutId: row.id, payout: created, at: ctx.now() }));
  return "requested";
}
