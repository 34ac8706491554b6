import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NANOS_PER_CENT, usdToNanos } from "../../../lib/money";
import { DEFAULT_PAYOUT_POLICY, nextEarlyPayoutAt, nextPayoutRunAt, payoutAmountNanos, payoutPolicy, payoutPolicyFromEnv, splitProviderBalance } from "./policy";

const HOUR_MS = 3_600_000;
/** Nano-USD amounts around the interesting edges: sub-cent, a few dollars, large, and negative (owed). */
const nanos = fc.oneof(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: -NANOS_PER_CENT * 3n, max: NANOS_PER_CENT * 3n }), fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }));
const minimum = fc.bigInt({ min: 1n, max: 100_000n }).map((cents) => cents * NANOS_PER_CENT);

describe("splitProviderBalance", () => {
  it("on hold + payable = max(balance, 0); owed = max(−balance, 0); each bucket ≥ 0", () => {
    fc.assert(
      fc.property(nanos, nanos, (balance_nanos, recent_nanos) => {
        const { on_hold_nanos, payable_nanos, owed_nanos } = splitProviderBalance({ balance_nanos, recent_nanos });
        expect(on_hold_nanos + payable_nanos).toBe(balance_nanos > 0n ? balance_nanos : 0n);
        expect(owed_nanos).toBe(balance_nanos < 0n ? -balance_nanos : 0n);
        expect(on_hold_nanos >= 0n && payable_nanos >= 0n && owed_nanos >= 0n).toBe(true);
        // Never both owing and having something: a negative balance holds and pays nothing.
        if (owed_nanos > 0n) expect(on_hold_nanos + payable_nanos).toBe(0n);
      }),
    );
  });

  it("holds exactly the recent earnings while they fit in the balance", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.bigInt({ min: 0n, max: 10n ** 15n }), (older, recent_nanos) => {
        const { on_hold_nanos, payable_nanos } = splitProviderBalance({ balance_nanos: older + recent_nanos, recent_nanos });
        expect(on_hold_nanos).toBe(recent_nanos);
        expect(payable_nanos).toBe(older);
      }),
    );
  });

  it("a clawback inside the window changes what is held, not what is payable", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.bigInt({ min: 0n, max: 10n ** 15n }), (older, recent, taken) => {
        fc.pre(taken <= recent);
        const before = splitProviderBalance({ balance_nanos: older + recent, recent_nanos: recent });
        const after = splitProviderBalance({ balance_nanos: older + recent - taken, recent_nanos: recent - taken });
        expect(after.payable_nanos).toBe(before.payable_nanos);
        expect(before.on_hold_nanos - after.on_hold_nanos).toBe(taken);
      }),
    );
  });

  it("is monotonic: more balance never means less payable", () => {
    fc.assert(
      fc.property(nanos, nanos, fc.bigInt({ min: 0n, max: 10n ** 15n }), (balance_nanos, recent_nanos, more) => {
        expect(splitProviderBalance({ balance_nanos: balance_nanos + more, recent_nanos }).payable_nanos >= splitProviderBalance({ balance_nanos, recent_nanos }).payable_nanos).toBe(true);
      }),
    );
  });

  it("edge cases", () => {
    expect(splitProviderBalance({ balance_nanos: 0n, recent_nanos: 0n })).toEqual({ on_hold_nanos: 0n, payable_nanos: 0n, owed_nanos: 0n });
    // Clawbacks outlived the earnings they took from: nothing held, everything payable.
    expect(splitProviderBalance({ balance_nanos: 5n, recent_nanos: -3n })).toEqual({ on_hold_nanos: 0n, payable_nanos: 5n, owed_nanos: 0n });
    // Recent earnings beyond the balance (a payout took older money): the hold is capped at the balance.
    expect(splitProviderBalance({ balance_nanos: 5n, recent_nanos: 9n })).toEqual({ on_hold_nanos: 5n, payable_nanos: 0n, owed_nanos: 0n });
    expect(splitProviderBalance({ balance_nanos: -7n, recent_nanos: 4n })).toEqual({ on_hold_nanos: 0n, payable_nanos: 0n, owed_nanos: 7n });
  });
});

describe("payoutAmountNanos", () => {
  it("is whole cents, ≤ payable, ≥ the minimum, or null; null only when the whole cents are below the minimum", () => {
    fc.assert(
      fc.property(nanos, minimum, (payable_nanos, minimum_nanos) => {
        const x = payoutAmountNanos(payable_nanos, { minimum_nanos });
        const whole_cents = payable_nanos > 0n ? (payable_nanos / NANOS_PER_CENT) * NANOS_PER_CENT : 0n;
        if (x === null) {
          expect(whole_cents < minimum_nanos).toBe(true);
          return;
        }
        expect(x % NANOS_PER_CENT).toBe(0n);
        expect(x <= payable_nanos).toBe(true);
        expect(x >= minimum_nanos).toBe(true);
        expect(x > 0n).toBe(true);
        // The most it could be: the sub-cent rest is less than a cent and stays payable.
        expect(payable_nanos - x >= 0n && payable_nanos - x < NANOS_PER_CENT).toBe(true);
        expect(x).toBe(whole_cents);
      }),
    );
  });

  it("at the minimum's edge", () => {
    const m = { minimum_nanos: usdToNanos("10") };
    expect(payoutAmountNanos(usdToNanos("10"), m)).toBe(usdToNanos("10"));
    expect(payoutAmountNanos(usdToNanos("10.009999999"), m)).toBe(usdToNanos("10"));
    expect(payoutAmountNanos(usdToNanos("10.01"), m)).toBe(usdToNanos("10.01"));
    expect(payoutAmountNanos(usdToNanos("9.999999999"), m)).toBeNull();
    expect(payoutAmountNanos(0n, m)).toBeNull();
    expect(payoutAmountNanos(-usdToNanos("50"), m)).toBeNull();
    // A one-cent minimum still never pays a fraction of a cent, nor nothing.
    expect(payoutAmountNanos(NANOS_PER_CENT - 1n, { minimum_nanos: NANOS_PER_CENT })).toBeNull();
    expect(payoutAmountNanos(NANOS_PER_CENT, { minimum_nanos: NANOS_PER_CENT })).toBe(NANOS_PER_CENT);
  });
});

describe("nextPayoutRunAt", () => {
  it("is due at once without a previous run, else one interval after the last start", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.option(fc.integer({ min: 0, max: 4_000_000_000_000 }), { nil: null }), fc.integer({ min: 60_000, max: 744 * HOUR_MS }), (now_ms, last_ms, run_interval_ms) => {
        const at = nextPayoutRunAt(last_ms === null ? null : new Date(last_ms), new Date(now_ms), { run_interval_ms });
        expect(at.getTime()).toBe(last_ms === null ? now_ms : last_ms + run_interval_ms);
      }),
    );
  });
});

describe("nextEarlyPayoutAt", () => {
  it("is null (allowed now) exactly when the interval has passed since the last early payout", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: -1_000 * HOUR_MS, max: 1_000 * HOUR_MS }), fc.integer({ min: 0, max: 744 * HOUR_MS }), (last_ms, elapsed_ms, early_interval_ms) => {
        const last = new Date(last_ms);
        const at = nextEarlyPayoutAt(last, new Date(last_ms + elapsed_ms), { early_interval_ms });
        if (elapsed_ms >= early_interval_ms) expect(at).toBeNull();
        else expect(at?.getTime()).toBe(last_ms + early_interval_ms);
      }),
    );
    expect(nextEarlyPayoutAt(null, new Date(), DEFAULT_PAYOUT_POLICY)).toBeNull();
  });
});

describe("payoutPolicyFromEnv", () => {
  it("reads days, dollars and hours into milliseconds and nanos; the defaults are README's", () => {
    expect(payoutPolicyFromEnv({ PAYOUT_HOLD_DAYS: 7, PAYOUT_MINIMUM_USD: "10", PAYOUT_RUN_INTERVAL_HOURS: 168, PAYOUT_EARLY_INTERVAL_HOURS: 24 })).toEqual(DEFAULT_PAYOUT_POLICY);
    expect(payoutPolicyFromEnv({ PAYOUT_HOLD_DAYS: 0.5, PAYOUT_MINIMUM_USD: "0.01", PAYOUT_RUN_INTERVAL_HOURS: 1 / 60, PAYOUT_EARLY_INTERVAL_HOURS: 0 })).toEqual({
      hold_ms: 12 * HOUR_MS,
      minimum_nanos: NANOS_PER_CENT,
      run_interval_ms: 60_000,
      early_interval_ms: 0,
    });
    expect(payoutPolicy({})).toBe(DEFAULT_PAYOUT_POLICY);
  });
});
