import { eq, sql } from "drizzle-orm";
import { topUps } from "../../../db/schema";
import type { Tx } from "../../../db/client";
import { buyerStripeLines, postJournalEntry } from "../post-journal-entry";
import { savePaymentMethod } from "../auto-top-up/save-payment-method";

export type PaidPayment = {
  stripePaymentIntentId: string | null;
  stripeChargeId: string | null;
  receiptUrl: string | null;
  /** The card saved for off-session use (Checkout with setup_future_usage), kept for auto top-up. */
  paymentMethodId?: string | null;
};

/**
 * THE place a top-up is credited (Checkout and auto top-up alike): Stripe has said the money is there.
 * Exactly once however often and however concurrently it is called: the row is locked, `paid` is final, and
 * the journal entry's idempotency key is `top_up:<id>`. A top-up marked failed or expired that Stripe later
 * reports paid is credited (the money arrived); nothing ever un-pays a top-up (refunds are their own entries).
 */
export async function creditTopUp(tx: Tx, input: { topUpId: string; payment: PaidPayment; at: Date }): Promise<{ credited_now: boolean; organizationId: string }> {
  const [row] = await tx.select().from(topUps).where(eq(topUps.id, input.topUpId)).for("update");
  if (!row) throw new Error(`top-up ${input.topUpId} not found`);
  if (row.status === "paid") return { credited_now: false, organizationId: row.organizationId };
  const posted = await postJournalEntry(tx, {
    kind: "top_up",
    idempotencyKey: `top_up:${row.id}`,
    stripeObjectId: input.payment.stripeChargeId ?? row.stripeChargeId,
    memo: row.kind === "auto" ? "Auto top-up" : "Top-up",
    at: input.at,
    lines: buyerStripeLines(row.organizationId, row.amountNanos),
  });
  await tx
    .update(topUps)
    .set({
      status: "paid",
      failureReason: null,
      stripePaymentIntentId: input.payment.stripePaymentIntentId ?? row.stripePaymentIntentId,
      stripeChargeId: input.payment.stripeChargeId ?? row.stripeChargeId,
      receiptUrl: input.payment.receiptUrl ?? row.receiptUrl,
      journalEntryId: posted.journalEntryId ?? row.journalEntryId,
      creditedAt: sql`coalesce(${topUps.creditedAt}, ${input.at})`,
      updatedAt: input.at,
    })
    .where(eq(topUps.id, row.id));
  if (input.payment.paymentMethodId) await savePaymentMethod(tx, { organizationId: row.organizationId, paymentMethodId: input.payment.paymentMethodId, at: input.at });
  return { credited_now: posted.posted, organizationId: row.organizationId };
}

/** pending → failed | expired with the reason shown to the buyer; a paid top-up is never touched. */
export async function markTopUpUnpaid(tx: Tx, input: { topUpId: string; status: "failed" | "expired"; reason: string; at: Date }): Promise<{ changed: boolean }> {
  const updated = await tx
    .update(topUps)
    .set({ status: input.status, failureReason: input.reason, updatedAt: input.at })
    .where(sql`${topUps.id} = ${input.topUpId} and ${topUps.status} = 'pending'`)
    .returning({ id: topUps.id });
  return { changed: updated.length > 0 };
}
