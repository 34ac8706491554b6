import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "../../../db/client";
import { payouts } from "../../../db/schema";
import { ServiceError } from "../../errors";
import type { PayoutView } from "./types";

export const PAYOUTS_MAX_LIMIT = 100;

const inputSchema = z.object({
  organizationId: z.string().min(1).max(100),
  limit: z.number().int().min(1).max(PAYOUTS_MAX_LIMIT),
  cursor: z.string().min(1).max(100).optional(),
});

/**
 * The organization's payouts, newest first by (created_at, id), `limit` at a time, with their Stripe ids.
 * `cursor` is the id of the last payout of the previous page; it is looked up among the organization's own
 * payouts, so an unknown or foreign id gives an empty page (never another organization's rows).
 */
export async function listPayouts(q: Queryable, input: { organizationId: string; limit: number; cursor?: string }): Promise<{ payouts: PayoutView[]; next_cursor: string | null }> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new ServiceError("invalid_input", parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
  const { organizationId, limit, cursor } = parsed.data;
  // Compared in SQL, not through a JS Date: created_at has microseconds, a Date only milliseconds.
  const older = cursor
    ? sql`(${payouts.createdAt}, ${payouts.id}) < (select c.created_at, c.id from payouts c where c.id = ${cursor} and c.organization_id = ${organizationId})`
    : undefined;
  const rows = await q
    .select()
    .from(payouts)
    .where(and(eq(payouts.organizationId, organizationId), older))
    .orderBy(desc(payouts.createdAt), desc(payouts.id))
    // One more than the page: whether there is a next page without a second query.
    .limit(limit + 1);
  const page = rows.slice(0, limit).map(
    (r): PayoutView => ({
      id: r.id,
      trigger: r.trigger,
      amount_nanos: r.amountNanos,
      amount_reversed_nanos: r.amountReversedNanos,
      status: r.status,
      stripe_transfer_id: r.stripeTransferId,
      bank_payout_id: r.bankPayoutId,
      bank_status: r.bankStatus,
      failure_reason: r.failureReason,
      bank_failure_message: r.bankFailureMessage,
      bank_arrival_at: r.bankArrivalAt,
      created_at: r.createdAt,
      transferred_at: r.transferredAt,
      paid_at: r.paidAt,
    }),
  );
  return { payouts: page, next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
}
