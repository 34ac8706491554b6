import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import { topUps, type TopUpStatus } from "../../../db/schema";
import { centsToNanos } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { fallbackLogger, type Logger } from "../../logger";
import { requireStripe } from "../stripe/client";
import { creditTopUp, markTopUpUnpaid, type PaidPayment } from "./credit-top-up";

export type FulfilCheckoutSessionInput = {
  checkoutSessionId: string;
  /** Set on the success-URL path: the viewer's organization, which must own the top-up (else not_found). */
  organizationId?: string;
  logger?: Logger;
};
export type FulfilCheckoutSessionResult = { topUpId: string; status: TopUpStatus; credited_now: boolean };

/**
 * A session that names one of our top-ups but does not match it (other session id, organization, currency or
 * amount). Never credited; thrown so the webhook job fails visibly for an operator instead of passing quietly.
 */
export class TopUpMismatchError extends Error {
  constructor(
    readonly topUpId: string,
    readonly checkoutSessionId: string,
    readonly mismatch: string,
  ) {
    super(`checkout session ${checkoutSessionId} does not match top-up ${topUpId}: ${mismatch}; not credited`);
    this.name = "TopUpMismatchError";
  }
}

const SESSION_ID = z.string().regex(/^cs_[A-Za-z0-9_]{1,250}$/);
/** Failed async payments (bank debits) leave the PaymentIntent waiting for a new method, or canceled. */
const FAILED_INTENT_STATUSES = new Set(["requires_payment_method", "canceled"]);

/**
 * THE fulfil function for Checkout top-ups (issue #9): called by all four checkout.session.* handlers, by the
 * success URL and by the reconciler, any number of times and concurrently. It re-reads the session from Stripe
 * (never the event body), checks it is the top-up's own session for the same amount in USD, and moves the
 * top-up only forward: paid → credited once (creditTopUp), expired → expired, a completed session whose async
 * payment failed → failed. Returns null for sessions that are not Spotlane top-ups (webhook path only).
 */
export async function fulfilCheckoutSession(ctx: ServiceContext, input: FulfilCheckoutSessionInput): Promise<FulfilCheckoutSessionResult | null> {
  const sctx = requireStripe(ctx);
  const logger = input.logger ?? fallbackLogger();
  const viewer = input.organizationId;
  const parsedId = SESSION_ID.safeParse(input.checkoutSessionId);
  if (!parsedId.success) {
    if (viewer) throw new ServiceError("not_found", "No such top-up.");
    return null;
  }
  const sessionId = parsedId.data;

  // The success URL is public input: answer from our own rows before asking Stripe about a stranger's id.
  const [own] = await ctx.db.select({ id: topUps.id, organizationId: topUps.organizationId, status: topUps.status }).from(topUps).where(eq(topUps.stripeCheckoutSessionId, sessionId));
  if (viewer && (!own || own.organizationId !== viewer)) throw new ServiceError("not_found", "No such top-up.");
  // `paid` is final: repeats (duplicate events, reloads of the success page) need not ask Stripe again.
  if (own?.status === "paid") return { topUpId: own.id, status: "paid", credited_now: false };

  let session: Stripe.Checkout.Session;
  try {
    session = await sctx.stripe.client.checkout.sessions.retrieve(sessionId, { expand: ["line_items", "payment_intent", "payment_intent.latest_charge"] });
  } catch (err) {
    const missing = (err as { type?: string; code?: string }).type === "StripeInvalidRequestError" && (err as { code?: string }).code === "resource_missing";
    if (missing && !viewer) {
      logger.warn({ checkout_session_id: sessionId }, "checkout session unknown to Stripe (another account or mode?); ignored");
      return null;
    }
    // Webhook path: rethrow so the job retries. Success URL: a sentence, never Stripe's own message.
    if (viewer) throw new ServiceError("upstream_error", "Stripe could not be reached to confirm the payment; your balance updates as soon as it is.");
    throw err;
  }

  const topUpId = session.metadata?.top_up_id;
  if (!topUpId) {
    if (viewer) throw new ServiceError("not_found", "No such top-up.");
    return null;
  }

  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(topUps).where(eq(topUps.id, topUpId)).for("update");
    if (!row) {
      // Another deployment on the same Stripe account (staging on test keys) makes these; nothing of ours moves.
      logger.warn({ checkout_session_id: sessionId, top_up_id: topUpId }, "checkout session names a top-up this marketplace does not have; ignored");
      if (viewer) throw new ServiceError("not_found", "No such top-up.");
      return null;
    }
    if (viewer && row.organizationId !== viewer) throw new ServiceError("not_found", "No such top-up.");
    const mismatch = sessionMismatch(session, row);
    if (mismatch) {
      const err = new TopUpMismatchError(row.id, sessionId, mismatch);
      logger.error({ err, checkout_session_id: sessionId, top_up_id: row.id, organization_id: row.organizationId }, "REFUSED to fulfil a checkout session that does not match its top-up");
      if (viewer) throw new ServiceError("conflict", "This payment does not match its top-up and was not credited; support has been alerted.");
      throw err;
    }

    const at = ctx.now();
    const intent = typeof session.payment_intent === "object" ? session.payment_intent : null;
    if (session.payment_status === "paid") {
      const { credited_now } = await creditTopUp(tx, { topUpId: row.id, payment: paymentOf(session, intent), at });
      return { topUpId: row.id, status: "paid" as const, credited_now };
    }
    if (session.status === "expired") {
      await markTopUpUnpaid(tx, { topUpId: row.id, status: "expired", reason: "The checkout expired before it was paid.", at });
    } else if (session.status === "complete" && intent && FAILED_INTENT_STATUSES.has(intent.status)) {
      // Only a completed session: on an open one a declined card is just a retry on Stripe's page.
      const reason = intent.last_payment_error?.message ?? "The payment failed.";
      await markTopUpUnpaid(tx, { topUpId: row.id, status: "failed", reason: reason.slice(0, 500), at });
    }
    const [now] = await tx.select({ status: topUps.status }).from(topUps).where(eq(topUps.id, row.id));
    return { topUpId: row.id, status: now!.status, credited_now: false };
  });
}

/** Why a session is not the top-up's own payment, or null when it is. */
function sessionMismatch(session: Stripe.Checkout.Session, row: typeof topUps.$inferSelect): string | null {
  if (row.kind !== "checkout") return `top-up is ${row.kind}, not checkout`;
  if (row.stripeCheckoutSessionId !== session.id) return `top-up's session is ${row.stripeCheckoutSessionId ?? "unset"}`;
  if (session.metadata?.organization_id !== row.organizationId) return `metadata organization ${session.metadata?.organization_id ?? "unset"} is not ${row.organizationId}`;
  if (session.client_reference_id !== null && session.client_reference_id !== row.id) return `client_reference_id ${session.client_reference_id}`;
  if (session.currency !== "usd") return `currency ${session.currency ?? "unset"}`;
  if (session.amount_total === null || centsToNanos(session.amount_total) !== row.amountNanos) return `amount_total ${session.amount_total ?? "unset"} cents, top-up is ${row.amountNanos} nanos`;
  const items = session.line_items?.data;
  if (items && items.reduce((s, li) => s + li.amount_total, 0) !== session.amount_total) return "line items do not add up to amount_total";
  return null;
}

function paymentOf(session: Stripe.Checkout.Session, intent: Stripe.PaymentIntent | null): PaidPayment {
  const charge = intent && typeof intent.latest_charge === "object" ? intent.latest_charge : null;
  const chargeId = charge?.id ?? (typeof intent?.latest_charge === "string" ? intent.latest_charge : null);
  const method = intent?.payment_method ?? null;
  const methodId = typeof method === "string" ? method : (method?.id ?? null);
  return {
    stripePaymentIntentId: intent?.id ?? (typeof session.payment_intent === "string" ? session.payment_intent : null),
    stripeChargeId: chargeId,
    receiptUrl: charge?.receipt_url ?? null,
    // Only a card Stripe saved for off-session use (setup_future_usage) may be charged later by auto top-up.
    paymentMethodId: intent?.setup_future_usage === "off_session" ? methodId : null,
  };
}
