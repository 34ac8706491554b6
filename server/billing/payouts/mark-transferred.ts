import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Tx } from "../../../db/client";
import { payouts } from "../../../db/schema";
import { centsToNanos } from "../../../lib/money";
import { postJournalEntry } from "../post-journal-entry";

export type PayoutRow = typeof payouts.$inferSelect;

/** Why a Stripe transfer cannot be booked against a payout (null: it is the payout's transfer). */
export function transferMismatch(row: Pick<PayoutRow, "id" | "stripeAccountId" | "amountNanos" | "stripeTransferId">, transfer: Pick<Stripe.Transfer, "id" | "amount" | "currency" | "destination">): string | null {
  const destination = typeof transfer.destination === "string" ? transfer.destination : (transfer.destination?.id ?? null);
  if (destination !== row.stripeAccountId) return `transfer ${transfer.id} went to ${destination}, payout ${row.id} is for ${row.stripeAccountId}`;
  if (transfer.currency !== "usd" || centsToNanos(transfer.amount) !== row.amountNanos) return `transfer ${transfer.id} is ${transfer.amount} ${transfer.currency} cents, payout ${row.id} is ${row.amountNanos} nanos`;
  if (row.stripeTransferId !== null && row.stripeTransferId !== transfer.id) return `payout ${row.id} already has transfer ${row.stripeTransferId}, not ${transfer.id}`;
  return null;
}

/**
 * THE place a payout becomes `transferred`: Stripe made its transfer (as sendPayout heard it, or as a
 * transfer.* webhook re-read it after the job crashed before writing). Fenced on `status = pending`, and the
 * entry `payout:<id>:transferred` (provider_in_transit −X, stripe_clearing +X) is keyed, so any number of calls
 * in any order book it once. Throws on a transfer that is not this payout's (amount, destination): never booked.
 */
export async function markTransferred(tx: Tx, input: { payoutId: string; transfer: Pick<Stripe.Transfer, "id" | "amount" | "currency" | "destination">; at: Date }): Promise<{ changed: boolean }> {
  const [row] = await tx.select().from(payouts).where(eq(payouts.id, input.payoutId)).for("update");
  if (!row) throw new Error(`payout ${input.payoutId} not found`);
  if (row.status !== "pending") return { changed: false };
  const mismatch = transferMismatch(row, input.transfer);
  if (mismatch) throw new Error(`refusing to book a transfer that is not this payout's: ${mismatch}`);
  await tx
    .update(payouts)
    .set({ status: "transferred", stripeTransferId: input.transfer.id, transferredAt: input.at, failureReason: null, updatedAt: input.at })
    .where(and(eq(payouts.id, row.id), eq(payouts.status, "pending")));
  await postJournalEntry(tx, {
    kind: "payout_transfer",
    idempotencyKey: `payout:${row.id}:transferred`,
    stripeObjectId: input.transfer.id,
    memo: `Payout ${row.id}: Stripe transfer ${input.transfer.id}`,
    at: input.at,
    lines: [
      { account: "provider_in_transit", organizationId: row.organizationId, amount_nanos: -row.amountNanos },
      { account: "stripe_clearing", organizationId: null, amount_nanos: row.amountNanos },
    ],
  });
  return { changed: true };
}

/**
 * Stripe refused the transfer: the payout is `failed` with the reason its provider reads, and
 * `payout:<id>:failed` (provider_in_transit −X, provider_earnings +X) makes the amount payable again.
 * Fenced on `status = pending`: a payout that got its transfer is never failed.
 */
export async function markTransferFailed(tx: Tx, input: { payoutId: string; reason: string; at: Date }): Promise<{ changed: boolean }> {
  const [row] = await tx
    .update(payouts)
    .set({ status: "failed", failureReason: input.reason, updatedAt: input.at })
    .where(and(eq(payouts.id, input.payoutId), eq(payouts.status, "pending")))
    .returning();
  if (!row) return { changed: false };
  await postJournalEntry(tx, {
    kind: "payout_failure",
    idempotencyKey: `payout:${row.id}:failed`,
    memo: `Payout ${row.id}: Stripe refused the transfer`,
    at: input.at,
    lines: [
      { account: "provider_in_transit", organizationId: row.organizationId, amount_nanos: -row.amountNanos },
      { account: "provider_earnings", organizationId: row.organizationId, amount_nanos: row.amountNanos },
    ],
  });
  return { changed: true };
}
