import type Stripe from "stripe";
import type { StripeHandlerContext } from "../stripe/handlers/types";
import { applyDispute } from "./apply-dispute";
import { applyRefund } from "./apply-refund";
import type { ApplyAdjustmentResult } from "./types";

/**
 * A foreign charge is final (logged, not retried, so it cannot fail a job forever). One of ours that could not be
 * applied (another currency) throws: the event ends `failed` on the Operations page instead of vanishing in a log.
 */
function logOutcome(ctx: StripeHandlerContext, event: Pick<Stripe.Event, "id" | "type">, objectId: string, result: ApplyAdjustmentResult): void {
  const at = { event_id: event.id, event_type: event.type, object_id: objectId };
  if (result.outcome === "applied") ctx.logger.info({ ...at, organization_id: result.organizationId, status: result.status, posted: result.posted }, "payment adjustment applied");
  else if (result.outcome === "not_ours") ctx.logger.warn({ ...at, charge_id: result.chargeId }, "refund or dispute of a charge that is not a Spotlane payment: ignored");
  else {
    ctx.logger.error({ ...at, organization_id: result.organizationId, reason: result.reason }, "payment adjustment not applied: needs an operator");
    throw new Error(`payment adjustment ${objectId} not applied: ${result.reason}`);
  }
}

/** `refund.*`: the refund is re-read and applied; the event body only names it. */
export async function handleRefundEvent(ctx: StripeHandlerContext, event: Pick<Stripe.Event, "id" | "type"> & { data: { object: { id: string } } }): Promise<void> {
  const refundId = event.data.object.id;
  logOutcome(ctx, event, refundId, await applyRefund(ctx.services, refundId));
}

/** `charge.refunded`: every refund of the charge, listed from Stripe (the event's charge no longer embeds them). */
export async function handleChargeRefunded(ctx: StripeHandlerContext, event: Pick<Stripe.Event, "id" | "type"> & { data: { object: { id: string } } }): Promise<void> {
  const chargeId = event.data.object.id;
  for await (const refund of ctx.services.stripe.client.refunds.list({ charge: chargeId, limit: 100 })) {
    logOutcome(ctx, event, refund.id, await applyRefund(ctx.services, refund.id));
  }
}

/** `charge.dispute.*`: the dispute is re-read and converged, whichever of its events this is. */
export async function handleDisputeEvent(ctx: StripeHandlerContext, event: Pick<Stripe.Event, "id" | "type"> & { data: { object: { id: string } } }): Promise<void> {
  const disputeId = event.data.object.id;
  logOutcome(ctx, event, disputeId, await applyDispute(ctx.services, disputeId));
}
