import { and, desc, eq, ne } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "../../../db/client";
import { payouts } from "../../../db/schema";
import { formatUsd } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import type { JobQueue } from "../../jobs/queue";
import { takeStripeClick } from "../connect/stripe-click-throttle";
import { accountCanReceivePayouts, claimPayout, lockConnectedAccount } from "./create-payout";
import { nextEarlyPayoutAt, payoutPolicy, type PayoutPolicy } from "./policy";
import { sendPayoutJob } from "./run-payouts";

const earlyInput = z.object({ organizationId: z.string().min(1).max(64) });

export const PAYOUTS_NOT_CONFIGURED_MESSAGE = "Payouts are not configured on this marketplace (it has no Stripe account), so nothing can be paid out.";
export const ACCOUNT_NOT_READY_MESSAGE = "Your payout account cannot receive money yet: finish setting up payouts with Stripe (Payouts → Continue onboarding), then ask again.";
export const PAYOUT_IN_PROGRESS_MESSAGE = "A payout of yours is being sent to Stripe right now; ask again once it shows as transferred.";

/**
 * A provider asks to be paid what is payable now, outside the schedule (README "Payout policy"): at most once
 * per PAYOUT_EARLY_INTERVAL_HOURS. The rate limit is checked under the connected account's lock, with the claim,
 * so two requests at once cannot both pass it. An early payout Stripe refused (`failed`, its money payable again)
 * does not count against the limit: nothing was paid. Enqueues the payout's job after the claim committed.
 */
export async function requestEarlyPayout(ctx: ServiceContext, jobs: JobQueue, input: { organizationId: string }): Promise<{ payoutId: string; amount_nanos: bigint }> {
  const { organizationId } = earlyInput.parse(input);
  if (!ctx.stripe) throw new ServiceError("forbidden", PAYOUTS_NOT_CONFIGURED_MESSAGE);
  // Before the claim: a refused (failed) early payout does not count against the interval, so without this a
  // loop of requests would call transfers.create as fast as Stripe refuses them.
  takeStripeClick("early_payout", organizationId, ctx.now());
  const now = ctx.now();
  const policy = payoutPolicy(ctx);
  const created = await ctx.db.transaction(async (tx) => {
    const account = await lockConnectedAccount(tx, organizationId);
    if (!account || !accountCanReceivePayouts(account)) throw new ServiceError("forbidden", ACCOUNT_NOT_READY_MESSAGE);
    const allowed_at = nextEarlyPayoutAt(await lastEarlyPayoutAt(tx, organizationId), now, policy);
    if (allowed_at) throw new ServiceError("rate_limited", earlyRateLimitMessage(allowed_at, policy), { retry_at: allowed_at.toISOString(), retry_after_s: Math.ceil((allowed_at.getTime() - now.getTime()) / 1000) });
    const outcome = await claimPayout(tx, { account, trigger: "early", runId: null, now, policy });
    if (outcome.outcome === "in_progress") throw new ServiceError("conflict", PAYOUT_IN_PROGRESS_MESSAGE);
    if (outcome.outcome === "below_minimum") throw new ServiceError("conflict", belowMinimumMessage(outcome.payable_nanos, policy), { payable_nanos: outcome.payable_nanos.toString() });
    if (outcome.outcome === "account_not_ready") throw new ServiceError("forbidden", ACCOUNT_NOT_READY_MESSAGE);
    return outcome;
  });
  // After the commit: a crash before this leaves a pending payout the worker resumes (findResumablePayouts).
  await sendPayoutJob(jobs, created.payoutId);
  return { payoutId: created.payoutId, amount_nanos: created.amount_nanos };
}

/** The rate limit's reference: the last early payout that was not refused (a refused one paid nothing). */
export async function lastEarlyPayoutAt(q: Queryable, organizationId: string): Promise<Date | null> {
  const [last] = await q
    .select({ createdAt: payouts.createdAt })
    .from(payouts)
    .where(and(eq(payouts.organizationId, organizationId), eq(payouts.trigger, "early"), ne(payouts.status, "failed")))
    .orderBy(desc(payouts.createdAt))
    .limit(1);
  return last?.createdAt ?? null;
}

const hours = (ms: number) => `${Number((ms / 3_600_000).toFixed(2))} hour${ms === 3_600_000 ? "" : "s"}`;
const days = (ms: number) => `${Number((ms / 86_400_000).toFixed(2))} day${ms === 86_400_000 ? "" : "s"}`;

export function earlyRateLimitMessage(allowed_at: Date, policy: Pick<PayoutPolicy, "early_interval_ms">): string {
  return `You can request an early payout once every ${hours(policy.early_interval_ms)}; your next one is possible from ${allowed_at.toISOString().slice(0, 16).replace("T", " ")} UTC.`;
}

export function belowMinimumMessage(payable_nanos: bigint, policy: Pick<PayoutPolicy, "minimum_nanos" | "hold_ms">): string {
  const held = policy.hold_ms === 0 ? "earnings are payable as soon as they are earned" : `earnings become payable ${days(policy.hold_ms)} after they are earned`;
  if (payable_nanos <= 0n) return `Nothing is payable yet: ${held}.`;
  return `Only ${formatUsd(payable_nanos)} is payable, and payouts start at ${formatUsd(policy.minimum_nanos)} (${held}).`;
}
