import { NANOS_PER_CENT, usdToNanos } from "../../../lib/money";
import type { Env } from "../../env";

/** README "Payouts" (server/billing/payouts/README.md): when earnings become payable, how much, how often. */
export type PayoutPolicy = {
  /** Earnings younger than this stay on hold (buyers' refunds and disputes land first). */
  hold_ms: number;
  /** Nothing smaller is paid out. Whole cents. */
  minimum_nanos: bigint;
  /** A scheduled run is due this long after the previous run started. */
  run_interval_ms: number;
  /** A provider's early payouts are at least this far apart. */
  early_interval_ms: number;
};

const HOUR_MS = 3_600_000;

export const DEFAULT_PAYOUT_POLICY: PayoutPolicy = { hold_ms: 7 * 24 * HOUR_MS, minimum_nanos: 10n * 1_000_000_000n, run_interval_ms: 168 * HOUR_MS, early_interval_ms: 24 * HOUR_MS };

export function payoutPolicyFromEnv(env: Pick<Env, "PAYOUT_HOLD_DAYS" | "PAYOUT_MINIMUM_USD" | "PAYOUT_RUN_INTERVAL_HOURS" | "PAYOUT_EARLY_INTERVAL_HOURS">): PayoutPolicy {
  return {
    hold_ms: Math.round(env.PAYOUT_HOLD_DAYS * 24 * HOUR_MS),
    minimum_nanos: usdToNanos(env.PAYOUT_MINIMUM_USD),
    run_interval_ms: Math.round(env.PAYOUT_RUN_INTERVAL_HOURS * HOUR_MS),
    early_interval_ms: Math.round(env.PAYOUT_EARLY_INTERVAL_HOURS * HOUR_MS),
  };
}

/** The policy a service context carries (absent in tests that do not care: the defaults). */
export function payoutPolicy(ctx: { payout_policy?: PayoutPolicy }): PayoutPolicy {
  return ctx.payout_policy ?? DEFAULT_PAYOUT_POLICY;
}

/**
 * Splits a provider's ledger balance into what is on hold and what is payable. `recent_nanos` is the sum of
 * its earnings, clawbacks and clawback releases inside the hold window (README "Buckets").
 */
export function splitProviderBalance(input: { balance_nanos: bigint; recent_nanos: bigint }): { on_hold_nanos: bigint; payable_nanos: bigint; owed_nanos: bigint } {
  const positive = input.balance_nanos > 0n ? input.balance_nanos : 0n;
  const on_hold_nanos = input.recent_nanos < 0n ? 0n : input.recent_nanos > positive ? positive : input.recent_nanos;
  return { on_hold_nanos, payable_nanos: positive - on_hold_nanos, owed_nanos: input.balance_nanos < 0n ? -input.balance_nanos : 0n };
}

/** What one payout sends: payable rounded down to whole cents (never more than is owed), or null below the minimum. */
export function payoutAmountNanos(payable_nanos: bigint, policy: Pick<PayoutPolicy, "minimum_nanos">): bigint | null {
  const whole_cents_nanos = payable_nanos <= 0n ? 0n : payable_nanos - (payable_nanos % NANOS_PER_CENT);
  return whole_cents_nanos >= policy.minimum_nanos && whole_cents_nanos > 0n ? whole_cents_nanos : null;
}

/** When the next scheduled run is due: at once if there never was one, else one interval after the last start. */
export function nextPayoutRunAt(last_started_at: Date | null, now: Date, policy: Pick<PayoutPolicy, "run_interval_ms">): Date {
  return last_started_at ? new Date(last_started_at.getTime() + policy.run_interval_ms) : now;
}

/** When a provider may next ask for an early payout (null: now). */
export function nextEarlyPayoutAt(last_early_at: Date | null, now: Date, policy: Pick<PayoutPolicy, "early_interval_ms">): Date | null {
  if (!last_early_at) return null;
  const at = new Date(last_early_at.getTime() + policy.early_interval_ms);
  return at > now ? at : null;
}
