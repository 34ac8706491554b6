import { desc, eq } from "drizzle-orm";
import { paymentAdjustments, type PaymentAdjustmentKind } from "../../../db/schema";
import type { ServiceContext } from "../../context";

export type PaymentAdjustmentView = {
  /** The Stripe id (re_… or dp_…). */
  id: string;
  kind: PaymentAdjustmentKind;
  /** The refunded or disputed amount, nano-USD (what the ledger takes while it stands). */
  amount_nanos: bigint;
  /** Stripe's status: refund pending/succeeded/failed/canceled; dispute needs_response/under_review/won/lost/… */
  status: string;
  reason: string | null;
  /** When Stripe created the refund or dispute. */
  created_at: Date;
  top_up_id: string | null;
};

export const MAX_ADJUSTMENTS_LISTED = 200;

/** An organization's refunds and disputes for the Billing page, newest first. */
export async function listPaymentAdjustments(ctx: ServiceContext, input: { organizationId: string; limit: number }): Promise<PaymentAdjustmentView[]> {
  const limit = Math.max(1, Math.min(MAX_ADJUSTMENTS_LISTED, Math.trunc(input.limit) || 1));
  const rows = await ctx.db
    .select()
    .from(paymentAdjustments)
    .where(eq(paymentAdjustments.organizationId, input.organizationId))
    .orderBy(desc(paymentAdjustments.stripeCreatedAt), desc(paymentAdjustments.id))
    .limit(limit);
  return rows.map((r) => ({ id: r.id, kind: r.kind, amount_nanos: r.amountNanos, status: r.status, reason: r.reason, created_at: r.stripeCreatedAt, top_up_id: r.topUpId }));
}
