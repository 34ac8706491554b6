import { and, gte, isNotNull, lt } from "drizzle-orm";
import Stripe from "stripe";
import type { Queryable } from "../../../db/client";
import { payouts } from "../../../db/schema";
import { centsToNanos, formatUsd } from "../../../lib/money";
import { fallbackLogger, type Logger } from "../../logger";
import type { Period } from "../period";
import type { MatchedItem } from "./match";

/** Statuses a bank payout is still moving through: the two sides may differ for a while without anything being wrong. */
const IN_FLIGHT = new Set(["pending", "in_transit"]);

/**
 * A refusal that concerns this payout or its connected account (a provider that disconnected the platform,
 * a rate limit, a request Stripe rejects): reported on the payout, the run goes on. Anything else (our key
 * refused, Stripe down or unreachable) is the platform's and fails the run.
 */
function refusedForThisPayout(err: unknown): err is Stripe.errors.StripeError {
  return err instanceof Stripe.errors.StripePermissionError || err instanceof Stripe.errors.StripeRateLimitError || err instanceof Stripe.errors.StripeInvalidRequestError;
}

/**
 * Providers' bank payouts (a connected account paying out to its bank) touched in `period`, each retrieved
 * from its connected account and compared on amount and status. A payout Stripe does not know is missing in
 * Stripe; a status or amount that differs (Stripe says paid or failed, we say otherwise) is a mismatch; one Stripe
 * refuses to show (refusedForThisPayout) is a mismatch that says so, logged, and the others are still compared.
 */
export async function reconcileBankPayouts(q: Queryable, stripe: Stripe, period: Period, logger: Logger = fallbackLogger()): Promise<MatchedItem[]> {
  const rows = await q
    .select()
    .from(payouts)
    .where(and(isNotNull(payouts.bankPayoutId), gte(payouts.updatedAt, period.start), lt(payouts.createdAt, period.end)))
    .orderBy(payouts.createdAt, payouts.id);
  const items: MatchedItem[] = [];
  for (const row of rows) {
    const bankPayoutId = row.bankPayoutId as string;
    const ours_nanos = row.amountNanos - row.amountReversedNanos;
    const base = {
      kind: "bank_payout",
      stripe_object_id: bankPayoutId,
      organization_id: row.organizationId,
      stripe_account: row.stripeAccountId,
      journal_entry_ids: [],
      ledger_nanos: ours_nanos,
      occurred_at: row.transferredAt ?? row.createdAt,
      stripe_only: false,
    };
    let p: Stripe.Payout;
    try {
      p = await stripe.payouts.retrieve(bankPayoutId, {}, { stripeAccount: row.stripeAccountId });
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "resource_missing") {
        items.push({ ...base, status: "missing_in_stripe", stripe_nanos: null, description: `Bank payout ${bankPayoutId} of payout ${row.id} (${row.stripeAccountId}): Stripe has no such payout.` });
        continue;
      }
      if (!refusedForThisPayout(err)) throw err;
      logger.warn({ err, payout_id: row.id, bank_payout_id: bankPayoutId, stripe_account: row.stripeAccountId }, "Stripe refused to show a bank payout; reported as an item");
      const code = err.code ?? err.type;
      items.push({ ...base, status: "amount_mismatch", stripe_nanos: null, description: `Bank payout ${bankPayoutId} of payout ${row.id} (${row.stripeAccountId}): Stripe refused to show this payout: ${code}.` });
      continue;
    }
    const stripe_nanos = centsToNanos(p.amount);
    const ours = row.bankStatus ?? "none";
    const problems: string[] = [];
    if (stripe_nanos !== ours_nanos) problems.push(`amount: ours ${formatUsd(ours_nanos)}, Stripe ${formatUsd(stripe_nanos)}`);
    if (p.status !== ours && !(IN_FLIGHT.has(p.status) && IN_FLIGHT.has(ours))) problems.push(`status: ours ${ours}, Stripe ${p.status}`);
    items.push({
      ...base,
      stripe_nanos,
      status: problems.length > 0 ? "amount_mismatch" : "matched",
      description: `Bank payout ${bankPayoutId} of payout ${row.id} (${row.stripeAccountId}): ${problems.length > 0 ? problems.join("; ") : `${formatUsd(stripe_nanos)}, ${p.status}`}.`,
    });
  }
  return items;
}
