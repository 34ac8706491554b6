import { sql } from "drizzle-orm";
import { paymentAdjustments, type PaymentAdjustmentKind } from "../../../db/schema";
import type { Tx } from "../../../db/client";

export type AdjustmentState = {
  /** The Stripe id (re_… or dp_…). */
  id: string;
  kind: PaymentAdjustmentKind;
  organizationId: string;
  topUpId: string | null;
  stripeChargeId: string;
  amount_nanos: bigint;
  status: string;
  reason: string | null;
  stripeCreatedAt: Date;
  /** When the Stripe read that produced this state started. */
  read_at: Date;
};

/**
 * Writes the latest known state of a refund or dispute for the Billing page. `updated_at` holds the start of
 * the Stripe read the state came from, and a state read earlier never overwrites one read later: two handlers
 * racing on one object cannot leave the older read behind. Every change at Stripe sends an event whose handler
 * reads after the change, so the row converges on Stripe's latest state whatever order events arrive in.
 * (A status rank would not do: disputes go lost → appeal → won or lost again.)
 */
export async function recordAdjustment(tx: Tx, s: AdjustmentState): Promise<void> {
  const readAt = s.read_at.toISOString();
  await tx
    .insert(paymentAdjustments)
    .values({
      id: s.id,
      kind: s.kind,
      organizationId: s.organizationId,
      topUpId: s.topUpId,
      stripeChargeId: s.stripeChargeId,
      amountNanos: s.amount_nanos,
      status: s.status,
      reason: s.reason,
      stripeCreatedAt: s.stripeCreatedAt,
      updatedAt: s.read_at,
    })
    .onConflictDoUpdate({
      target: paymentAdjustments.id,
      set: {
        amountNanos: s.amount_nanos,
        status: s.status,
        reason: s.reason,
        // A top-up credited after the first read links it later; a link once made is kept.
        topUpId: sql`coalesce(excluded.top_up_id, ${paymentAdjustments.topUpId})`,
        updatedAt: s.read_at,
      },
      setWhere: sql`${paymentAdjustments.updatedAt} <= ${readAt}::timestamptz`,
    });
}
