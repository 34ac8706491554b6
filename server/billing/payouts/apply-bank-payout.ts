import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Tx } from "../../../db/client";
import { payouts, type BankPayoutStatus } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import type { StripeBilling } from "../stripe/client";
import { bankFailureMessage } from "./classify-stripe-error";
import type { PayoutRow } from "./mark-transferred";

/**
 * How far along a bank payout is. A re-read never moves a bank status to a lower rank: two handlers may read
 * the payout at different moments and commit in the other order. `paid` may still become `failed` (Stripe: a
 * bank can return a payout days after it was marked paid); failed and canceled are final for that Stripe payout.
 */
const RANK: Record<BankPayoutStatus, number> = { pending: 0, in_transit: 1, paid: 2, failed: 3, canceled: 3 };

function bankStatusOf(payout: Pick<Stripe.Payout, "status">): BankPayoutStatus | null {
  const s = payout.status;
  return s === "pending" || s === "in_transit" || s === "paid" || s === "failed" || s === "canceled" ? s : null;
}

/**
 * Is this Stripe payout the one the payout row is waiting on? Its id once stored; before that (the create's
 * answer was lost, its event came first) the metadata written at creation: our payout id and the bank attempt,
 * so an earlier, failed attempt's late events never touch the current one.
 */
export function isCurrentBankPayout(row: Pick<PayoutRow, "id" | "bankPayoutId" | "bankAttempts">, payout: Pick<Stripe.Payout, "id" | "metadata">): boolean {
  if (row.bankPayoutId !== null) return row.bankPayoutId === payout.id;
  return row.bankAttempts > 0 && payout.metadata?.payout_id === row.id && payout.metadata?.bank_attempt === String(row.bankAttempts);
}

/**
 * Applies a Stripe bank payout (just created, or re-read for a payout.* event) to its payout row, monotonically:
 * bank_status, arrival, failure message; `paid` makes the payout `paid`, and a paid bank payout that later fails
 * makes it `transferred` again (the money is back in the provider's Stripe balance and the next run asks again).
 * No ledger line: once transferred, the money is the provider's.
 */
export async function applyBankPayoutObject(tx: Tx, input: { payoutId: string; payout: Stripe.Payout; at: Date }): Promise<{ changed: boolean }> {
  const [row] = await tx.select().from(payouts).where(eq(payouts.id, input.payoutId)).for("update");
  if (!row || !isCurrentBankPayout(row, input.payout)) return { changed: false };
  const next = bankStatusOf(input.payout);
  if (next === null) return { changed: false };
  if (row.bankStatus !== null && row.bankPayoutId === input.payout.id && RANK[next] < RANK[row.bankStatus]) return { changed: false };
  const status = next === "paid" && row.status === "transferred" ? "paid" : (next === "failed" || next === "canceled") && row.status === "paid" ? "transferred" : row.status;
  await tx
    .update(payouts)
    .set({
      bankPayoutId: input.payout.id,
      bankStatus: next,
      bankArrivalAt: input.payout.arrival_date ? new Date(input.payout.arrival_date * 1000) : null,
      bankFailureMessage: bankFailureMessage(input.payout),
      status,
      paidAt: status === "paid" ? (row.paidAt ?? input.at) : status === "transferred" ? null : row.paidAt,
      updatedAt: input.at,
    })
    .where(eq(payouts.id, row.id));
  return { changed: true };
}

/**
 * A connected account's payout.* event: re-reads the payout on that account (never the event body) and applies it
 * to ours, found by its stored id or by the metadata we created it with. Payouts that are not ours (the provider's
 * own, from their Express dashboard) are ignored. Safe in any order and any number of times.
 */
export async function applyBankPayout(ctx: ServiceContext & { stripe: StripeBilling }, input: { stripeAccountId: string; payoutId: string }): Promise<{ outcome: "applied" | "unchanged" | "ignored" }> {
  const payout = await ctx.stripe.client.payouts.retrieve(input.payoutId, {}, { stripeAccount: input.stripeAccountId });
  const [byId] = await ctx.db.select({ id: payouts.id, stripeAccountId: payouts.stripeAccountId }).from(payouts).where(eq(payouts.bankPayoutId, payout.id));
  const ourId = byId?.id ?? payout.metadata?.payout_id;
  if (!ourId) return { outcome: "ignored" };
  const [row] = byId ? [byId] : await ctx.db.select({ id: payouts.id, stripeAccountId: payouts.stripeAccountId }).from(payouts).where(eq(payouts.id, ourId));
  // Metadata is the connected account's to write too: only a payout on the account we paid counts.
  if (!row || row.stripeAccountId !== input.stripeAccountId) return { outcome: "ignored" };
  const { changed } = await ctx.db.transaction((tx) => applyBankPayoutObject(tx, { payoutId: row.id, payout, at: ctx.now() }));
  return { outcome: changed ? "applied" : "unchanged" };
}
