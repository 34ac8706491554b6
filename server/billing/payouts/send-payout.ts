import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import { payouts } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import type { Logger } from "../../logger";
import { requireStripe, stripeAmountCents, type StripeBilling } from "../stripe/client";
import { transferRefusal } from "./classify-stripe-error";
import { markTransferFailed, markTransferred, transferMismatch, type PayoutRow } from "./mark-transferred";
import { requestBankPayout, type BankPayoutRequestOutcome } from "./request-bank-payout";

export type SendPayoutOutcome = {
  /**
   * transferred: Stripe made (or had made) the transfer and it is booked; adopted: found by its transfer group
   * after an earlier attempt; failed: Stripe refused it (payable again); retry_later: the final job attempt met a
   * transient error, the payout stays pending for the next resume; not_pending: nothing to transfer; missing.
   */
  transfer: "transferred" | "adopted" | "failed" | "retry_later" | "not_pending" | "missing";
  bank: BankPayoutRequestOutcome | "retry_later";
};

const input = z.object({ payoutId: z.string().min(1).max(64), attempt: z.number().int().min(1), final: z.boolean() });

export const transferIdempotencyKey = (payoutId: string) => `payout:${payoutId}:transfer`;

/** The transfer's parameters, all from the row: a retry under the same key sends exactly the same request. */
export function transferParams(row: Pick<PayoutRow, "id" | "organizationId" | "stripeAccountId" | "amountNanos">): Stripe.TransferCreateParams {
  return {
    amount: stripeAmountCents(row.amountNanos),
    currency: "usd",
    destination: row.stripeAccountId,
    transfer_group: row.id,
    description: `Spotlane payout ${row.id}`,
    metadata: { payout_id: row.id, organization_id: row.organizationId },
  };
}

/**
 * The `payout-transfer` job (README "Payouts → The transfer", steps 2–3): makes a pending payout's Stripe
 * transfer exactly once, books Stripe's answer, then asks for the bank payout of a transferred one.
 * `attempt` is the job's (1 = first), `final` its last; the row's own `attempts` decides the transfer-group
 * lookup, so a resume days later (after Stripe forgot the idempotency key) still finds the transfer.
 */
export async function sendPayout(ctx: ServiceContext, raw: { payoutId: string; attempt: number; final: boolean; logger?: Logger }): Promise<SendPayoutOutcome> {
  const { payoutId, attempt, final } = input.parse(raw);
  const sctx = requireStripe(ctx);
  const log = raw.logger?.child({ payout_id: payoutId, job_attempt: attempt });
  const [row] = await sctx.db.select().from(payouts).where(eq(payouts.id, payoutId));
  if (!row) return { transfer: "missing", bank: "not_needed" };

  let transfer: SendPayoutOutcome["transfer"] = "not_pending";
  if (row.status === "pending") {
    try {
      transfer = await makeTransfer(sctx, row);
    } catch (err) {
      if (!final) throw err;
      // The queue gives up on this job; the payout stays pending (its amount in transit) and the worker's resume
      // sends it again later: the transfer-group lookup (attempts > 0) keeps that exact.
      log?.error({ err }, "payout transfer failed on the job's last attempt; left pending for the next resume");
      return { transfer: "retry_later", bank: "not_needed" };
    }
  }
  if (transfer === "failed") return { transfer, bank: "not_needed" };
  try {
    return { transfer, bank: await requestBankPayout(sctx, row) };
  } catch (err) {
    if (!final) throw err;
    // The transfer is booked; the money waits in the provider's Stripe balance until the next run asks again.
    log?.error({ err }, "bank payout request failed on the job's last attempt; asked again by the next run");
    return { transfer, bank: "retry_later" };
  }
}

/**
 * One transfer attempt. `attempts` is bumped and committed before Stripe is called, so an attempt that dies
 * anywhere after it is known to the next one, which first looks the transfer up by group (Stripe keeps
 * idempotency keys only 24 hours; the group is forever) and otherwise re-sends under the same key.
 */
async function makeTransfer(ctx: ServiceContext & { stripe: StripeBilling }, row: PayoutRow): Promise<"transferred" | "adopted" | "failed" | "not_pending"> {
  const stripe = ctx.stripe.client;
  const [bumped] = await ctx.db
    .update(payouts)
    .set({ attempts: sql`${payouts.attempts} + 1`, updatedAt: ctx.now() })
    .where(and(eq(payouts.id, row.id), eq(payouts.status, "pending")))
    .returning({ attempts: payouts.attempts });
  if (!bumped) return "not_pending";

  let found: Stripe.Transfer | null = null;
  // A lookup failure is never a refusal of the transfer: it throws and the job retries.
  if (bumped.attempts > 1) found = (await stripe.transfers.list({ transfer_group: row.id, limit: 1 })).data[0] ?? null;
  if (found) {
    const mismatch = transferMismatch(row, found);
    if (mismatch) throw new Error(`transfer group ${row.id} holds a transfer that is not this payout's: ${mismatch}`);
  }
  let transfer = found;
  if (!transfer) {
    try {
      transfer = await stripe.transfers.create(transferParams(row), { idempotencyKey: transferIdempotencyKey(row.id) });
    } catch (err) {
      const refused = transferRefusal(err);
      if (!refused) throw err;
      await ctx.db.transaction((tx) => markTransferFailed(tx, { payoutId: row.id, reason: refused.reason, at: ctx.now() }));
      return "failed";
    }
  }
  const answered = transfer;
  await ctx.db.transaction((tx) => markTransferred(tx, { payoutId: row.id, transfer: answered, at: ctx.now() }));
  return found ? "adopted" : "transferred";
}
