import { and, asc, eq, isNotNull, isNull, lt } from "drizzle-orm";
import { topUps } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { fallbackLogger, type Logger } from "../../logger";
import { requireStripe } from "../stripe/client";
import { markTopUpUnpaid } from "./credit-top-up";
import { fulfilCheckoutSession } from "./fulfil-checkout-session";

/** At most this many sessions are re-read per run (oldest first), so a backlog cannot flood Stripe. */
export const RECONCILE_BATCH = 100;

export type ReconcileResult = { checked: number; credited: number };

/**
 * Webhooks can be lost for days (endpoint down, secret rotated): re-reads Checkout top-ups still pending
 * after `older_than_ms` through the same fulfil function, which credits, fails or expires them as Stripe
 * says. A top-up whose session was never created (Stripe failed mid-create, process died) is marked failed.
 */
export async function reconcilePendingTopUps(ctx: ServiceContext, input: { older_than_ms: number; logger?: Logger }): Promise<ReconcileResult> {
  requireStripe(ctx);
  const logger = input.logger ?? fallbackLogger();
  const cutoff = new Date(ctx.now().getTime() - input.older_than_ms);
  const stale = and(eq(topUps.kind, "checkout"), eq(topUps.status, "pending"), lt(topUps.createdAt, cutoff));

  const neverStarted = await ctx.db.select({ id: topUps.id }).from(topUps).where(and(stale, isNull(topUps.stripeCheckoutSessionId))).limit(RECONCILE_BATCH);
  for (const { id } of neverStarted) await ctx.db.transaction((tx) => markTopUpUnpaid(tx, { topUpId: id, status: "failed", reason: "Stripe could not start the payment.", at: ctx.now() }));

  const rows = await ctx.db
    .select({ id: topUps.id, sessionId: topUps.stripeCheckoutSessionId })
    .from(topUps)
    .where(and(stale, isNotNull(topUps.stripeCheckoutSessionId)))
    .orderBy(asc(topUps.createdAt))
    .limit(RECONCILE_BATCH);
  let checked = 0;
  let credited = 0;
  for (const row of rows) {
    try {
      const result = await fulfilCheckoutSession(ctx, { checkoutSessionId: row.sessionId!, logger });
      checked += 1;
      if (result?.credited_now) {
        credited += 1;
        logger.warn({ top_up_id: row.id, checkout_session_id: row.sessionId }, "credited a paid top-up no webhook had fulfilled");
      }
    } catch (err) {
      // One session Stripe cannot answer for must not stop the rest; the next run tries it again.
      logger.error({ err, top_up_id: row.id, checkout_session_id: row.sessionId }, "could not reconcile a pending top-up");
    }
  }
  return { checked, credited };
}
