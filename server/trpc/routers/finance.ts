import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { EXPORT_SPECS } from "../../../lib/export-catalog";
import { canUsePlatformFinance } from "../../finance/access";
import { AUDIT_ACTIONS } from "../../finance/audit/actions";
import { listAudit } from "../../finance/audit/list-audit";
import { resolvePeriod } from "../../finance/period";
import { closePeriod } from "../../finance/periods/close-period";
import { listPeriods } from "../../finance/periods/list-periods";
import { reconciliationOverview } from "../../finance/reconciliation/reconciliation-overview";
import { runReconciliation } from "../../finance/reconciliation/run-reconciliation";
import { financeReports } from "../../finance/reports/finance-reports";
import { rollForward } from "../../finance/roll-forward/roll-forward";
import { createTRPCRouter, protectedProcedure } from "../init";

/** Platform finance only (server/finance/access.ts): an operator with the finance or admin role. */
const platformFinanceProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!canUsePlatformFinance(ctx.runtime.env.OPERATOR_EMAILS, ctx.user.email, ctx.memberRole)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "This needs platform finance: a platform operator (OPERATOR_EMAILS) with the finance or admin role." });
  }
  return next({ ctx: { ...ctx, actor: { userId: ctx.user.id, email: ctx.user.email } } });
});

const MONTH = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month like 2026-11");
/** A calendar month (the default) or a half-open UTC range of ISO instants. */
const periodInput = z.union([z.object({ month: MONTH }), z.object({ from: z.coerce.date(), to: z.coerce.date() })]);

/** The Finance page: roll-forward, charts, period close, reconciliation with Stripe, audit log. */
export const financeRouter = createTRPCRouter({
  /** The roll-forward of every ledger account group and the period's charts and tables. */
  overview: platformFinanceProcedure.input(periodInput).query(async ({ ctx, input }) => {
    const period = resolvePeriod(input);
    const [roll_forward, reports] = [await rollForward(ctx.runtime.services, period), await financeReports(ctx.runtime.services, period)];
    return { period, roll_forward, reports };
  }),
  /** Closed months and the one that may be closed next. */
  periods: platformFinanceProcedure.query(({ ctx }) => listPeriods(ctx.runtime.services)),
  /** Close a month: afterwards nothing can be dated inside it (the database refuses). */
  closePeriod: platformFinanceProcedure.input(z.object({ month: MONTH })).mutation(({ ctx, input }) => closePeriod(ctx.runtime.services, { month: input.month, actor: ctx.actor })),
  /** The latest reconciliation with Stripe, its open mismatches, and recent runs. */
  reconciliation: platformFinanceProcedure.query(({ ctx }) => reconciliationOverview(ctx.runtime.services, { interval_hours: ctx.runtime.env.RECONCILIATION_INTERVAL_HOURS })),
  /** Reconcile now (a month, or by default the recent window the schedule uses). */
  runReconciliation: platformFinanceProcedure.input(z.object({ month: MONTH.optional() }).optional()).mutation(({ ctx, input }) => {
    if (!ctx.runtime.services.stripe) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "Stripe is not configured on this marketplace (STRIPE_SECRET_KEY is unset): there is nothing to reconcile." });
    return runReconciliation(ctx.runtime.services, { trigger: "manual", period: input?.month ? resolvePeriod({ month: input.month }) : undefined, actor: ctx.actor });
  }),
  /** Finance actions, newest first. */
  audit: platformFinanceProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).default(50), action: z.enum(AUDIT_ACTIONS).optional(), before: z.object({ at: z.coerce.date(), id: z.string().regex(/^aud_[0-9a-z]{26}$/) }).optional() }).optional())
    .query(({ ctx, input }) => listAudit(ctx.runtime.services, { limit: input?.limit ?? 50, action: input?.action, before: input?.before })),
  /** The exports this viewer may download, with their download paths built by lib/export-catalog.ts. */
  exports: platformFinanceProcedure.query(() => Object.values(EXPORT_SPECS)),
});
