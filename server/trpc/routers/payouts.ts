import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { hasRole } from "../../auth/roles";
import { createExpressDashboardLink } from "../../billing/connect/express-dashboard-link";
import { getPayoutAccount } from "../../billing/connect/get-payout-account";
import { startPayoutOnboarding } from "../../billing/connect/start-onboarding";
import { refreshPayoutAccount } from "../../billing/connect/refresh-payout-account";
import { providerEarningsSeries } from "../../billing/payouts/earnings-series";
import { listPayouts, PAYOUTS_MAX_LIMIT } from "../../billing/payouts/list-payouts";
import { getPayoutBalancesView, JOBS_OFF_MESSAGE } from "../../billing/payouts/payout-balances-view";
import { PAYOUTS_NOT_CONFIGURED_MESSAGE, requestEarlyPayout } from "../../billing/payouts/request-early-payout";
import { providerStatement, providerStatementCsv } from "../../billing/payouts/statement";
import { MAX_SERIES_DAYS, parseStatementMonth } from "../../billing/payouts/statement-period";
import { createTRPCRouter, orgProcedure, providerProcedure } from "../init";

const DAY_MS = 86_400_000;
/** The longest earnings chart the service draws (earnings-series.ts refuses more). */
const EARNINGS_SERIES_MAX_DAYS = MAX_SERIES_DAYS;

/** A provider's books are also read by the organization's finance members (statements, payouts); only providers act. */
const providerReadProcedure = orgProcedure.use(({ ctx, next }) => {
  if (!hasRole(ctx.memberRole, "provider") && !hasRole(ctx.memberRole, "finance")) throw new TRPCError({ code: "FORBIDDEN", message: "This needs the provider or finance role in the organization." });
  return next();
});

/** Connect calls need Stripe: without it the answer is a sentence, not the service's internal failure. */
const providerStripeProcedure = providerProcedure.use(({ ctx, next }) => {
  if (!ctx.runtime.services.stripe) throw new TRPCError({ code: "PRECONDITION_FAILED", message: PAYOUTS_NOT_CONFIGURED_MESSAGE });
  return next();
});

/** "YYYY-MM" (UTC); a statement of a month that has not started yet is refused (it would only show the opening). */
const MONTH = /^(2\d{3})-(0[1-9]|1[0-2])$/;
const monthInput = z.object({ month: z.string().regex(MONTH, "a month like 2026-11") });

function refuseFutureMonth(month: string, now: Date): void {
  if (parseStatementMonth(month).start > now) throw new TRPCError({ code: "BAD_REQUEST", message: `month: ${month} has not started yet.` });
}

/** A UTC day "YYYY-MM-DD" (the chart's bounds; `to` is exclusive). */
const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const dayString = z
  .string()
  .regex(DAY, "a UTC day like 2026-11-30")
  .transform((s, c) => {
    const at = new Date(`${s}T00:00:00.000Z`);
    // 2026-02-31 passes the pattern; Date rolls it into March.
    if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== s) {
      c.addIssue({ code: "custom", message: "not a calendar day" });
      return z.NEVER;
    }
    return at;
  });

const seriesInput = z
  .object({ from: dayString, to: dayString, by: z.enum(["machine", "model"]) })
  .refine((i) => i.to > i.from, { message: "to must be after from", path: ["to"] })
  .refine((i) => i.to.getTime() - i.from.getTime() <= EARNINGS_SERIES_MAX_DAYS * DAY_MS, { message: `at most ${EARNINGS_SERIES_MAX_DAYS} days`, path: ["to"] });

const payoutCursor = z.string().regex(/^pyt_[0-9a-z]{26}$/, "not a page cursor");


/**
 * The Payouts page (issue #10). Every procedure acts on the viewer's own organization only; providers act
 * (onboarding, early payouts), providers and finance members read (balances, history, statements).
 */
export const payoutsRouter = createTRPCRouter({
  /** The connected account's state in words, what Stripe still needs, and the tax-information status. */
  account: providerReadProcedure.query(({ ctx }) => getPayoutAccount(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** Creates the connected account on first use; the browser goes to `url` (Stripe's single-use onboarding link). */
  startOnboarding: providerStripeProcedure.mutation(({ ctx }) => startPayoutOnboarding(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** A one-time login link into the provider's Stripe Express dashboard (a mutation: Stripe creates it). */
  expressDashboardLink: providerStripeProcedure.mutation(({ ctx }) => createExpressDashboardLink(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** Back from onboarding: re-read the account from Stripe now, so the page is right before the webhook lands. */
  syncAccount: providerStripeProcedure.mutation(({ ctx }) => refreshPayoutAccount(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** On hold / payable / in transit / paid out / owed, the policy, the next run and whether an early payout is possible. */
  balances: providerReadProcedure.query(({ ctx }) => getPayoutBalancesView(ctx.runtime.services, { organizationId: ctx.organizationId, jobsRunning: Boolean(ctx.runtime.jobs) })),
  /** Payouts newest first with their Stripe transfer and bank payout ids; `cursor` = the last payout id shown. */
  history: providerReadProcedure
    .input(z.object({ cursor: payoutCursor.nullish(), limit: z.number().int().min(1).max(PAYOUTS_MAX_LIMIT).default(20) }))
    .query(({ ctx, input }) => listPayouts(ctx.runtime.services.db, { organizationId: ctx.organizationId, limit: input.limit, cursor: input.cursor ?? undefined })),
  /** Earnings per UTC day in [from, to), split by machine or model (≤ 92 days). */
  earningsSeries: providerReadProcedure
    .input(seriesInput)
    .query(({ ctx, input }) => providerEarningsSeries(ctx.runtime.services.db, { organizationId: ctx.organizationId, from: input.from, to: input.to, by: input.by })),
  /** One UTC month's statement: opening, lines, totals by kind, closing (sums exactly to the ledger). */
  statement: providerReadProcedure.input(monthInput).query(({ ctx, input }) => {
    refuseFutureMonth(input.month, ctx.runtime.services.now());
    return providerStatement(ctx.runtime.services.db, { organizationId: ctx.organizationId, month: input.month });
  }),
  /** The same statement as CSV text; the browser saves it as `filename`. */
  statementCsv: providerReadProcedure.input(monthInput).query(async ({ ctx, input }) => {
    refuseFutureMonth(input.month, ctx.runtime.services.now());
    const csv = await providerStatementCsv(ctx.runtime.services.db, { organizationId: ctx.organizationId, month: input.month });
    return { filename: `spotlane-statement-${input.month}.csv`, csv };
  }),
  /** Pays what is payable now instead of at the next run (rate limited; the service says why not). */
  requestEarlyPayout: providerStripeProcedure.mutation(({ ctx }) => {
    const jobs = ctx.runtime.jobs;
    if (!jobs) throw new TRPCError({ code: "PRECONDITION_FAILED", message: JOBS_OFF_MESSAGE });
    return requestEarlyPayout(ctx.runtime.services, jobs, { organizationId: ctx.organizationId });
  }),
});
