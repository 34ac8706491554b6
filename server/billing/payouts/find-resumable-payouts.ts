import { and, eq, isNull, lte, or } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { payouts } from "../../../db/schema";

/**
 * A payout younger than this may still have its job queued or running: the claim and the enqueue are a moment
 * apart, and a transfer's answer is written right after Stripe gives it.
 */
export const RESUME_AFTER_MS = 60_000;

/**
 * Payouts whose `payout-transfer` job should be sent again (the worker does, each PAYOUT_CHECK_MS; the singleton
 * key makes a send for a payout whose job is still queued or running a no-op):
 * - `pending` for over a minute: the process died between the claim's commit and the enqueue, or the job ran
 *   out of retries on connection errors (its retry looks the transfer up by transfer group: still exact);
 * - `transferred` for over a minute with no bank payout asked for and no refusal recorded: the job stopped
 *   between the transfer and the bank payout. A refused or failed bank payout waits for the next run instead
 *   (runPayouts), so a refusal is not re-sent every minute.
 */
export async function findResumablePayouts(q: Queryable, input: { now: Date; limit?: number }): Promise<string[]> {
  const before = new Date(input.now.getTime() - RESUME_AFTER_MS);
  const rows = await q
    .select({ id: payouts.id })
    .from(payouts)
    .where(
      or(
        and(eq(payouts.status, "pending"), lte(payouts.createdAt, before)),
        and(eq(payouts.status, "transferred"), isNull(payouts.bankPayoutId), isNull(payouts.bankStatus), isNull(payouts.bankFailureMessage), lte(payouts.transferredAt, before)),
      ),
    )
    .orderBy(payouts.createdAt)
    .limit(input.limit ?? 500);
  return rows.map((r) => r.id);
}
