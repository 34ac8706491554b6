import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { isOperator } from "../../auth/operators";
import { countOpenDeadLetters, listDeadLetters, replayDeadLetters } from "../../billing/dead-letters";
import { countStripeEventsByStatus, listFailedStripeEvents, retryFailedStripeEvents } from "../../billing/stripe/failed-events";
import { refundTopUp } from "../../billing/adjustments/refund-top-up";
import { usdToNanos } from "../../../lib/money";
import { listOrganizationBilling, meterOutboxSummary } from "../../billing/invoicing/invoicing-overview";
import { setOrganizationBilling } from "../../billing/invoicing/set-organization-billing";
import { runPayouts } from "../../billing/payouts/run-payouts";
import { payoutRuns } from "../../../db/schema";
import { desc } from "drizzle-orm";
import { recordOperatorAction } from "../../finance/audit/record-operator-action";
import { createTRPCRouter, protectedProcedure } from "../init";

/** Platform operators only (OPERATOR_EMAILS); everyone else gets FORBIDDEN, whatever their organization role. */
const operatorProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!isOperator(ctx.runtime.env.OPERATOR_EMAILS, ctx.user.email)) throw new TRPCError({ code: "FORBIDDEN", message: "This needs a platform operator (OPERATOR_EMAILS)." });
  return next();
});

/** Settlements the ledger refused: each still holds its cost against the buyer until replayed. */
export const operationsRouter = createTRPCRouter({
  deadLetters: operatorProcedure.query(async ({ ctx }) => ({
    open: await listDeadLetters(ctx.runtime.services),
    totals: await countOpenDeadLetters(ctx.runtime.services),
  })),
  replayDeadLetters: operatorProcedure
    .input(z.object({ request_ids: z.array(z.string().regex(/^req_[0-9a-z]{26}$/)).max(500).optional() }))
    .mutation(async ({ ctx, input }) => {
      const result = await replayDeadLetters(ctx.runtime.services, input.request_ids ? { requestIds: input.request_ids } : {});
      await recordOperatorAction(ctx.runtime.services, ctx.runtime.logger, {
        user: ctx.user,
        action: "settlements.replay",
        subject: input.request_ids ? `${input.request_ids.length} requested` : "all open",
        details: { settled: String(result.settled.length), failed: String(result.failed.length), request_ids: result.settled.slice(0, 50).join(",") },
      });
      return result;
    }),
  /** Stripe webhook events whose handler failed on every retry, and every stored event by status. */
  stripeEvents: operatorProcedure.query(async ({ ctx }) => ({
    failed: await listFailedStripeEvents(ctx.runtime.services),
    counts: await countStripeEventsByStatus(ctx.runtime.services),
  })),
  /** Failed events (these, or all) back to the queue with a fresh set of retries. */
  retryStripeEvents: operatorProcedure
    .input(z.object({ event_ids: z.array(z.string().regex(/^evt_[0-9A-Za-z_]{1,255}$/)).max(500).optional() }))
    .mutation(async ({ ctx, input }) => {
      const result = await retryFailedStripeEvents(ctx.runtime.services, ctx.runtime.jobs, input.event_ids ? { eventIds: input.event_ids } : {});
      await recordOperatorAction(ctx.runtime.services, ctx.runtime.logger, {
        user: ctx.user,
        action: "stripe_events.retry",
        subject: input.event_ids ? `${input.event_ids.length} requested` : "all failed",
        details: { requeued: String(result.requeued.length), event_ids: result.requeued.slice(0, 50).join(",") },
      });
      return result;
    }),
  /** Refund (part of) a paid top-up at Stripe; `request_key` is one per click, so a repeat refunds once. */
  refundTopUp: operatorProcedure
    .input(z.object({ top_up_id: z.string().regex(/^tu_[0-9a-z]{26}$/), amount_usd: z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, "a USD amount in whole cents, like 12.50").optional(), request_key: z.string().regex(/^[0-9A-Za-z-]{8,64}$/) }))
    .mutation(async ({ ctx, input }) => {
      const refund = await refundTopUp(ctx.runtime.services, { topUpId: input.top_up_id, amount_nanos: input.amount_usd === undefined ? undefined : usdToNanos(input.amount_usd), requestKey: input.request_key });
      await recordOperatorAction(ctx.runtime.services, ctx.runtime.logger, {
        user: ctx.user,
        action: "billing.refund",
        subject: input.top_up_id,
        details: { refund_id: refund.refundId, amount_nanos: refund.amount_nanos.toString(), status: refund.status, request_key: input.request_key },
      });
      return refund;
    }),
  /** Invoiced organizations (credit limit, standing) and the meter outbox (stuck rows need an operator). */
  invoicing: operatorProcedure.query(async ({ ctx }) => ({
    invoicing_available: Boolean(ctx.runtime.services.stripe?.metered_price_id),
    organizations: await listOrganizationBilling(ctx.runtime.services),
    meter_outbox: await meterOutboxSummary(ctx.runtime.services),
  })),
  /** Mark an organization invoiced (postpaid against a credit limit, metered to Stripe) or back to prepaid. */
  setOrganizationBilling: operatorProcedure
    .input(z.object({ organization_id: z.string().regex(/^org_[0-9a-z]{26}$/, "an organization id (org_…)"), mode: z.enum(["prepaid", "invoiced"]), credit_limit_usd: z.string().regex(/^\d{1,9}(\.\d{1,9})?$/, "a USD amount, like 500 or 1250.50") }))
    .mutation(async ({ ctx, input }) => {
      const terms = await setOrganizationBilling(ctx.runtime.services, { organizationId: input.organization_id, mode: input.mode, credit_limit_nanos: usdToNanos(input.credit_limit_usd) });
      await recordOperatorAction(ctx.runtime.services, ctx.runtime.logger, {
        user: ctx.user,
        action: "billing.terms",
        subject: terms.organization_id,
        organizationId: terms.organization_id,
        details: { mode: terms.mode, credit_limit_nanos: terms.credit_limit_nanos.toString() },
      });
      return terms;
    }),
  /** Pay every eligible provider now (the same run the schedule makes); each provider at most once per run. */
  runPayouts: operatorProcedure.mutation(async ({ ctx }) => {
    if (!ctx.runtime.services.stripe) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "Payouts are not configured on this marketplace (STRIPE_SECRET_KEY is unset)." });
    const jobs = ctx.runtime.jobs;
    if (!jobs) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "The job queue is not running here (workers are off): a run's transfers would never be sent." });
    const run = await runPayouts(ctx.runtime.services, jobs, { trigger: "operator", userId: ctx.user.id });
    // Which organizations could not be paid, not why: the reasons are internal and go to the log.
    for (const e of run.errors) ctx.runtime.logger?.error({ run_id: run.runId, organization_id: e.organizationId, err: e.message }, "payout run could not pay an organization; its payout resumes later");
    await recordOperatorAction(ctx.runtime.services, ctx.runtime.logger, {
      user: ctx.user,
      action: "payouts.run",
      subject: run.runId,
      details: { payouts_created: String(run.payouts_created), total_nanos: run.total_nanos.toString(), bank_payouts_retried: String(run.bank_payouts_retried), organizations_not_paid: String(run.errors.length) },
    });
    return { ...run, errors: run.errors.map((e) => ({ organizationId: e.organizationId })) };
  }),
  /** The most recent payout runs, scheduled and operator-started, newest first. */
  payoutRuns: operatorProcedure.input(z.object({ limit: z.number().int().min(1).max(100).default(20) }).optional()).query(async ({ ctx, input }) => ({
    payouts_configured: Boolean(ctx.runtime.services.stripe),
    runs: await ctx.runtime.services.db
      .select({ id: payoutRuns.id, trigger: payoutRuns.trigger, started_at: payoutRuns.startedAt, finished_at: payoutRuns.finishedAt, payouts_created: payoutRuns.payoutsCreated, total_nanos: payoutRuns.totalNanos, started_by_user_id: payoutRuns.startedByUserId })
      .from(payoutRuns)
      .orderBy(desc(payoutRuns.startedAt), desc(payoutRuns.id))
      .limit(input?.limit ?? 20),
  })),
});
