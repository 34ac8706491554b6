import { and, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import { organizations, topUps } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { formatUsd, NANOS_PER_CENT } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { fallbackLogger } from "../../logger";
import { requireStripe, stripeAmountCents } from "../stripe/client";
import { ensureStripeCustomer } from "../stripe/ensure-customer";
import { markTopUpUnpaid } from "./credit-top-up";
import { getBillingTerms } from "../invoicing/billing-terms";

/** Stripe's default Checkout Session lifetime: a pending top-up's page is payable this long after creation. */
export const CHECKOUT_SESSION_LIFETIME_MS = 24 * 3_600_000;
/** Unfinished Checkout top-ups one organization may hold at once (each is a live Stripe session). */
export const MAX_PENDING_CHECKOUT_TOP_UPS = 5;
export const TOP_UP_LINE_ITEM_NAME = "Spotlane prepaid credit";

export type CreateTopUpInput = { organizationId: string; userId: string; amount_nanos: bigint };
export type CreateTopUpResult = { topUpId: string; checkout_url: string };

const inputSchema = z.object({ organizationId: z.string().min(1).max(100), userId: z.string().min(1).max(100), amount_nanos: z.bigint() });

/**
 * Starts a prepaid top-up: the row first (pending, so nothing Stripe does can name a top-up we lack), then a
 * Checkout Session for exactly its amount with idempotency key `top_up:<id>:checkout`. Nothing is credited
 * here: only fulfilCheckoutSession does that, once Stripe says the session is paid.
 */
export async function createTopUp(ctx: ServiceContext, input: CreateTopUpInput): Promise<CreateTopUpResult> {
  const sctx = requireStripe(ctx);
  const { organizationId, userId, amount_nanos } = inputSchema.parse(input);
  const { top_up_min_nanos: min, top_up_max_nanos: max } = sctx.stripe;
  if (amount_nanos % NANOS_PER_CENT !== 0n || amount_nanos < min || amount_nanos > max) {
    throw new ServiceError("invalid_input", `A top-up must be from ${formatUsd(min)} to ${formatUsd(max)}, in whole cents.`);
  }
  if (!ctx.base_url) throw new Error("createTopUp: services.base_url is unset (Checkout needs success and cancel links)");
  const at = ctx.now();
  const topUpId = newId("topUp");

  await ctx.db.transaction(async (tx) => {
    // The organization row lock serializes concurrent top-ups of one organization, so the cap below holds.
    const [org] = await tx.select({ deletedAt: organizations.deletedAt }).from(organizations).where(eq(organizations.id, organizationId)).for("update");
    if (!org) throw new ServiceError("not_found", "No such organization.");
    if (org.deletedAt) throw new ServiceError("forbidden", "This organization is closed.");
    // Invoiced usage is paid by the monthly invoice; prepaid credit would sit unused beside it.
    const billing = await getBillingTerms(tx, organizationId);
    if (billing.mode === "invoiced") throw new ServiceError("conflict", "This organization is invoiced monthly for its usage; it does not buy prepaid credit.");
    const [{ pending }] = (await tx
      .select({ pending: sql<number>`count(*)::int` })
      .from(topUps)
      .where(and(eq(topUps.organizationId, organizationId), eq(topUps.kind, "checkout"), eq(topUps.status, "pending"), gt(topUps.createdAt, new Date(at.getTime() - CHECKOUT_SESSION_LIFETIME_MS))))) as [{ pending: number }];
    if (pending >= MAX_PENDING_CHECKOUT_TOP_UPS) {
      throw new ServiceError("conflict", `There are already ${pending} unfinished top-ups; pay or cancel one of them first (unpaid ones expire after a day).`);
    }
    await tx.insert(topUps).values({ id: topUpId, organizationId, kind: "checkout", amountNanos: amount_nanos, status: "pending", createdByUserId: userId, createdAt: at, updatedAt: at });
  });

  const billing = `${ctx.base_url.replace(/\/$/, "")}/dashboard/billing?top_up=${topUpId}`;
  const metadata = { organization_id: organizationId, top_up_id: topUpId };
  try {
    const customer = await ensureStripeCustomer(sctx, organizationId);
    const session = await sctx.stripe.client.checkout.sessions.create(
      {
        mode: "payment",
        customer,
        client_reference_id: topUpId,
        line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: stripeAmountCents(amount_nanos), product_data: { name: TOP_UP_LINE_ITEM_NAME } } }],
        metadata,
        // The card is saved for off-session use so auto top-up can charge it later (the buyer opts in separately).
        payment_intent_data: { metadata, setup_future_usage: "off_session" },
        invoice_creation: { enabled: true },
        success_url: `${billing}&session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${billing}&cancelled=1`,
      },
      { idempotencyKey: `top_up:${topUpId}:checkout` },
    );
    if (!session.url) throw new Error(`checkout session ${session.id} has no url`);
    await ctx.db.update(topUps).set({ stripeCheckoutSessionId: session.id, checkoutUrl: session.url, updatedAt: ctx.now() }).where(eq(topUps.id, topUpId));
    return { topUpId, checkout_url: session.url };
  } catch (err) {
    // Stripe's own message may quote parameters or account details: it goes to the log, the buyer gets a sentence.
    fallbackLogger().error({ err, top_up_id: topUpId, organization_id: organizationId }, "could not start a Checkout Session for a top-up");
    await ctx.db.transaction((tx) => markTopUpUnpaid(tx, { topUpId, status: "failed", reason: "Stripe could not start the payment.", at: ctx.now() }));
    throw new ServiceError("upstream_error", "Stripe could not start the payment; try again.");
  }
}
