import { and, eq } from "drizzle-orm";
import { connectedAccounts, payouts } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { accountCanReceivePayouts } from "./create-payout";
import { nextScheduledRun } from "./payout-schedule";
import { nextEarlyPayoutAt, payoutAmountNanos, payoutPolicy } from "./policy";
import { getProviderPayoutBalances } from "./provider-balances";
import { ACCOUNT_NOT_READY_MESSAGE, belowMinimumMessage, earlyRateLimitMessage, lastEarlyPayoutAt, PAYOUT_IN_PROGRESS_MESSAGE, PAYOUTS_NOT_CONFIGURED_MESSAGE } from "./request-early-payout";

const DAY_MS = 86_400_000;

export const JOBS_OFF_MESSAGE = "Payouts are paused on this marketplace: its workers (the job queue) are not running.";

export type EarlyPayoutAvailability = {
  allowed: boolean;
  /** Why not, in words (null when allowed). */
  reason: string | null;
  /** When the rate limit lets the next early payout through (null: not rate limited). */
  next_allowed_at: Date | null;
  /** What an early payout would send now (whole cents), or null. */
  amount_nanos: bigint | null;
};

/**
 * The Balances card: the ledger's buckets (README "Buckets"), the policy that makes them payable, when the next
 * scheduled run is due, and whether "Request payout now" would be accepted, in the service's own words
 * (request-early-payout.ts re-checks all of it under the account's lock).
 */
export async function getPayoutBalancesView(ctx: ServiceContext, input: { organizationId: string; jobsRunning: boolean }) {
  const now = ctx.now();
  const policy = payoutPolicy(ctx);
  const balances = await getProviderPayoutBalances(ctx.db, { organizationId: input.organizationId, now, policy });
  const lastEarly = await lastEarlyPayoutAt(ctx.db, input.organizationId);
  const [pending] = await ctx.db.select({ id: payouts.id }).from(payouts).where(and(eq(payouts.organizationId, input.organizationId), eq(payouts.status, "pending"))).limit(1);
  const [account] = await ctx.db
    .select({ payoutsEnabled: connectedAccounts.payoutsEnabled, transfersCapability: connectedAccounts.transfersCapability })
    .from(connectedAccounts)
    .where(eq(connectedAccounts.organizationId, input.organizationId))
    .limit(1);

  const stripe_configured = Boolean(ctx.stripe);
  const amount_nanos = payoutAmountNanos(balances.payable_nanos, policy);
  const next_allowed_at = nextEarlyPayoutAt(lastEarly, now, policy);
  // The first reason that applies, in the order the service checks them.
  const reason = !stripe_configured
    ? PAYOUTS_NOT_CONFIGURED_MESSAGE
    : !accountCanReceivePayouts(account ?? null)
      ? ACCOUNT_NOT_READY_MESSAGE
      : next_allowed_at
        ? earlyRateLimitMessage(next_allowed_at, policy)
        : pending
          ? PAYOUT_IN_PROGRESS_MESSAGE
          : amount_nanos === null
            ? belowMinimumMessage(balances.payable_nanos, policy)
            : !input.jobsRunning
              ? JOBS_OFF_MESSAGE
              : null;
  const early: EarlyPayoutAvailability = { allowed: reason === null, reason, next_allowed_at, amount_nanos };
  return {
    ...balances,
    stripe_configured,
    minimum_nanos: policy.minimum_nanos,
    hold_days: policy.hold_ms / DAY_MS,
    /** When the scheduled run is next due (the leader starts it on its first check after this). */
    next_run_at: stripe_configured ? await nextScheduledRun(ctx.db, now, policy) : null,
    run_interval_hours: policy.run_interval_ms / 3_600_000,
    early,
  };
}

export type PayoutBalancesView = Awaited<ReturnType<typeof getPayoutBalancesView>>;
