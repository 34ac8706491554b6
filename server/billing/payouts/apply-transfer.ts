import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { payouts } from "../../../db/schema";
import { centsToNanos } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import type { StripeBilling } from "../stripe/client";
import { postJournalEntry } from "../post-journal-entry";
import { markTransferred, transferMismatch } from "./mark-transferred";

export type ApplyTransferOutcome =
  /** Booked what Stripe says (the transfer, its reversals), or found it already booked. */
  | { outcome: "applied"; payoutId: string; transferred_now: boolean; reversals_posted: number }
  /** Not a payout's transfer. */
  | { outcome: "ignored" }
  /** Claims to be a payout's transfer but does not fit it (amount, destination, another transfer, a failed payout): nothing booked; operators look. */
  | { outcome: "mismatch"; payoutId: string; reason: string };

/** Every reversal of a transfer: the first page comes with it, the rest (rare: more than ten) are listed. */
async function allReversals(stripe: Stripe, transfer: Stripe.Transfer): Promise<Stripe.TransferReversal[]> {
  if (!transfer.reversals.has_more) return transfer.reversals.data;
  const out: Stripe.TransferReversal[] = [];
  for await (const r of stripe.transfers.listReversals(transfer.id, { limit: 100 })) out.push(r);
  return out;
}

/**
 * transfer.created | updated | reversed: re-reads the transfer (never the event body) and converges our payout
 * on it, in one transaction on the locked payout row: a pending payout whose job died after Stripe answered is
 * marked transferred (the same fenced markTransferred the job uses); each reversal posts
 * `transfer_reversal:<trr>` (stripe_clearing −R, provider_earnings +R: R is payable again) once;
 * amount_reversed_nanos is the sum of the reversals, and a fully reversed payout is `reversed`. Any order, any
 * number of repeats, and concurrent runs end in the same state.
 */
export async function applyTransfer(ctx: ServiceContext & { stripe: StripeBilling }, transferId: string): Promise<ApplyTransferOutcome> {
  const stripe = ctx.stripe.client;
  const transfer = await stripe.transfers.retrieve(transferId);
  const payoutId = await findPayoutId(ctx, transfer);
  if (!payoutId) return { outcome: "ignored" };
  const reversals = await allReversals(stripe, transfer);
  const at = ctx.now();

  return ctx.db.transaction(async (tx): Promise<ApplyTransferOutcome> => {
    const [row] = await tx.select().from(payouts).where(eq(payouts.id, payoutId)).for("update");
    if (!row) return { outcome: "ignored" };
    const mismatch = transferMismatch(row, transfer) ?? (row.status === "failed" ? `payout ${row.id} was failed (Stripe refused its transfer), yet transfer ${transfer.id} exists` : null);
    if (mismatch) return { outcome: "mismatch", payoutId: row.id, reason: mismatch };

    const { changed: transferred_now } = await markTransferred(tx, { payoutId: row.id, transfer, at });
    let reversals_posted = 0;
    let reversed_nanos = 0n;
    for (const r of reversals) {
      const amount_nanos = centsToNanos(r.amount);
      reversed_nanos += amount_nanos;
      const posted = await postJournalEntry(tx, {
        kind: "payout_reversal",
        idempotencyKey: `transfer_reversal:${r.id}`,
        stripeObjectId: r.id,
        memo: `Payout ${row.id}: Stripe reversed ${r.amount} cents of transfer ${transfer.id}`,
        at,
        lines: [
          { account: "stripe_clearing", organizationId: null, amount_nanos: -amount_nanos },
          { account: "provider_earnings", organizationId: row.organizationId, amount_nanos },
        ],
      });
      if (posted.posted) reversals_posted++;
    }
    // Reversals only accumulate: a read taken before a later one committed must not shrink the total.
    const amount_reversed_nanos = reversed_nanos > row.amountReversedNanos ? reversed_nanos : row.amountReversedNanos;
    if (amount_reversed_nanos !== row.amountReversedNanos) {
      const fully = amount_reversed_nanos >= row.amountNanos;
      await tx
        .update(payouts)
        .set({ amountReversedNanos: amount_reversed_nanos, ...(fully ? { status: "reversed" as const } : {}), updatedAt: at })
        .where(eq(payouts.id, row.id));
    }
    return { outcome: "applied", payoutId: row.id, transferred_now, reversals_posted };
  });
}

/** Ours by the metadata we created it with, or the stored transfer id, or the transfer group (= payout id). */
async function findPayoutId(ctx: ServiceContext, transfer: Stripe.Transfer): Promise<string | null> {
  const candidates = [transfer.metadata?.payout_id, transfer.transfer_group].filter((id): id is string => typeof id === "string" && id.length > 0);
  for (const id of candidates) {
    const [row] = await ctx.db.select({ id: payouts.id }).from(payouts).where(eq(payouts.id, id));
    if (row) return row.id;
  }
  const [byTransfer] = await ctx.db.select({ id: payouts.id }).from(payouts).where(eq(payouts.stripeTransferId, transfer.id));
  return byTransfer?.id ?? null;
}
