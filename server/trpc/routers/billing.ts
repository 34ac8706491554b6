import { z } from "zod";
import { usdToNanos } from "../../../lib/money";
import { listPaymentAdjustments } from "../../billing/adjustments/list-payment-adjustments";
import { updateAutoTopUpSettings } from "../../billing/auto-top-up/update-auto-top-up-settings";
import { getBillingOverview, listOrganizationInvoices } from "../../billing/billing-overview";
import { BALANCE_LINES_MAX_LIMIT, listBalanceLines } from "../../billing/list-balance-lines";
import { createTopUp } from "../../billing/top-ups/create-top-up";
import { fulfilCheckoutSession } from "../../billing/top-ups/fulfil-checkout-session";
import { listTopUps } from "../../billing/top-ups/list-top-ups";
import { adminProcedure, createTRPCRouter, financeProcedure } from "../init";

/**
 * USD typed by a person, in whole cents ("20", "20.5", "20.50"), as nano-USD. One check, not regex + refine
 * (zod 4 runs every refinement even after a failed regex). The amount's bounds depend on the deployment
 * (TOP_UP_MIN_USD/MAX_USD), so the services check them and say them in words.
 */
const WHOLE_CENTS_USD = /^\d{1,10}(\.\d{1,2})?$/;
export const usdWholeCents = z
  .string()
  .max(20)
  .transform((s) => s.trim())
  .refine((s) => WHOLE_CENTS_USD.test(s), "a USD amount in whole cents, like 20 or 20.50")
  .transform((s) => usdToNanos(s));

/** A ledger line id (the cursor of the balance lines' pages). */
const lineCursor = z.string().regex(/^ll_[0-9a-z]{26}$/, "not a page cursor");

/**
 * The Billing page (issue #9). The organization's admin (its team lead) manages payments; finance may read
 * everything; other members get FORBIDDEN. Every procedure acts on the viewer's own organization only.
 */
export const billingRouter = createTRPCRouter({
  /** Balance, what is in flight and owed, how the organization pays, and its auto top-up settings. */
  overview: financeProcedure.query(({ ctx }) => getBillingOverview(ctx.runtime.services, ctx.organizationId)),
  /** Top-ups, newest first, with status, failure reason and receipt link. */
  topUps: financeProcedure.query(({ ctx }) => listTopUps(ctx.runtime.services, { organizationId: ctx.organizationId, limit: 50 })),
  /** Starts a Stripe Checkout for `amount_usd`; the browser goes to `checkout_url` to pay. */
  createTopUp: adminProcedure.input(z.object({ amount_usd: usdWholeCents })).mutation(async ({ ctx, input }) => {
    const created = await createTopUp(ctx.runtime.services, { organizationId: ctx.organizationId, userId: ctx.user.id, amount_nanos: input.amount_usd });
    return { top_up_id: created.topUpId, checkout_url: created.checkout_url };
  }),
  /**
   * The success URL lands here: fulfils the session at once (the same function the webhooks call), so the
   * buyer sees the credit without waiting for a webhook. Another organization's session is NOT_FOUND.
   */
  confirmTopUp: adminProcedure
    .input(z.object({ session_id: z.string().regex(/^cs_[A-Za-z0-9_]{1,250}$/, "not a Checkout Session id (cs_…)") }))
    .mutation(({ ctx, input }) => fulfilCheckoutSession(ctx.runtime.services, { checkoutSessionId: input.session_id, organizationId: ctx.organizationId, logger: ctx.runtime.logger })),
  setAutoTopUp: adminProcedure
    .input(z.object({ enabled: z.boolean(), threshold_usd: usdWholeCents, amount_usd: usdWholeCents }))
    .mutation(({ ctx, input }) =>
      updateAutoTopUpSettings(ctx.runtime.services, { organizationId: ctx.organizationId, enabled: input.enabled, threshold_nanos: input.threshold_usd, amount_nanos: input.amount_usd }),
    ),
  /** The ledger lines that moved the balance, newest first, with the running balance; cursor-paged. */
  balanceLines: financeProcedure
    .input(z.object({ cursor: lineCursor.nullish(), limit: z.number().int().min(1).max(BALANCE_LINES_MAX_LIMIT).default(50) }))
    .query(({ ctx, input }) => listBalanceLines(ctx.runtime.services, { organizationId: ctx.organizationId, cursor: input.cursor ?? null, limit: input.limit })),
  /** Refunds and disputes of the organization's payments. */
  adjustments: financeProcedure.query(({ ctx }) => listPaymentAdjustments(ctx.runtime.services, { organizationId: ctx.organizationId, limit: 100 })),
  /** Monthly Stripe invoices (invoiced organizations). */
  invoices: financeProcedure.query(({ ctx }) => listOrganizationInvoices(ctx.runtime.services, { organizationId: ctx.organizationId, limit: 50 })),
});
