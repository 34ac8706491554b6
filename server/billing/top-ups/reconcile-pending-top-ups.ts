import { and, asc, eq, isNotNull, isNull, lt } from "drizzle-orm";
import { topUps } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { fallbackLogger, type Logger } from "../../logger";
import { requireStripe } from "../stripe/client";
import { markTopUpUnpaid } from "./credit-top-up";
import { CHECKOUT_SESSION_LIFETIME_MS } from "./create-top-up";
import { fulfilCheckoutSession, TopUpMismatchError } from "./fulfil-checkout-session";

/** At most this many sessions are re-read per run (oldest first), so a backlog cannot flood Stripe. */
export const RECONCILE_BATCH = 100;

/**
 * A pending top-up Stripe cannot vouch for (its session is unknown there — keys switched from test to live — or
 * does not match it) is failed once its session could no longer be paid, so the batch never fills with rows that
 * stay pending forever and crowd out ones whose webhook was lost.
 */
const ABANDON_AFTER_MS = CHECKOUT_SESSION_LIFETIME_MS + 3_600_000;

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
    .select({ id: topUps.id, sessionId: topUps.stripeCheckoutSessionId, createdAt: topUps.createdAt })
    .from(topUps)
    .where(and(stale, isNotNull(topUps.stripeCheckoutSessionId)))
    .orderBy(asc(topUps.createdAt))
    .limit(RECONCILE_BATCH);
  let checked = 0;
  let credited = 0;
  const abandon = async (row: (typeof rows)[number], reason: string) => {
    if (ctx.now().getTime() - row.createdAt.getTime() < ABANDON_AFTER_MS) return;
    await ctx.db.transaction((tx) => markTopUpUnpaid(tx, { topUpId: row.id, status: "failed", reason, at: ctx.now() }));
  };
  for (const row of rows) {
    try {
      const result = await fulfilCheckoutSession(ctx, { checkoutSessionId: row.sessionId!, logger });
      checked += 1;
      if (result === null) await abandon(row, "Stripe has no record of this payment; nothing was charged.");
      if (result?.credited_now) {
        credited += 1;
        logger.warn({ top_up_id: row.id, checkout_session_id: row.sessionId }, "credited a paid top-up no webhook had fulfilled");
      }
    } catch (err) {
      if (err instanceof TopUpMismatchError) await abandon(row, "The payment did not match this top-up and was not credited; contact support.");
      // One session Stripe cannot answer for must not stop the rest; the next run tries it again.
      logger.error({ err, top_up_id: row.id, checkout_session_id: row.sessionId }, "could not reconcile a pending top-up");
    }
  }
  return { checked, credited };
}
