/**
 * Money is integer nano-USD (1 USD = 1e9 nanos) held in bigint everywhere.
 * Prices are nano-USD per slot-second. Floats never touch money.
 */
export const NANOS_PER_USD = 1_000_000_000n;
export const NANOS_PER_CENT = 10_000_000n;
export const BPS_DENOMINATOR = 10_000n;

/**
 * The one range every price takes (asks, bids, spot): 1 nano to $1,000 per slot-second. Far above any real
 * price (it catches nanos typed as USD), and small enough that price × the longest billable hold stays far
 * inside PostgreSQL's signed 64-bit columns.
 */
export const MAX_PRICE_NANOS_PER_SECOND = 1_000n * 1_000_000_000n;
/** The most any single amount a person types may be (spend limits, top-ups): $1,000,000,000, inside int8. */
export const MAX_AMOUNT_NANOS = 1_000_000_000n * 1_000_000_000n;

export function priceInRange(nanos_per_second: bigint): boolean {
  return nanos_per_second >= 0n && nanos_per_second <= MAX_PRICE_NANOS_PER_SECOND;
}

/** Integer division rounding half away from zero (half-up for the non-negative values money uses). */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  const sign = numerator < 0n ? -1n : 1n;
  const abs = numerator * sign;
  return sign * ((abs * 2n + denominator) / (2n * denominator));
}

/** Cost of holding one slot for `compute_ms` at `price_nanos_per_second`, rounded half-up once. */
export function requestCostNanos(price_nanos_per_second: bigint, compute_ms: number): bigint {
  if (!Number.isSafeInteger(compute_ms) || compute_ms < 0) throw new RangeError(`compute_ms must be a non-negative integer, got ${compute_ms}`);
  if (price_nanos_per_second < 0n) throw new RangeError("price must be non-negative");
  return divRoundHalfUp(price_nanos_per_second * BigInt(compute_ms), 1000n);
}

/**
 * Splits a buyer's cost into provider credit and platform fee so that
 * `cost = provider + fee` exactly: the fee is rounded, the provider gets the remainder.
 */
export function splitPlatformFee(cost_nanos: bigint, fee_bps: number): { provider_nanos: bigint; fee_nanos: bigint } {
  if (!Number.isInteger(fee_bps) || fee_bps < 0 || fee_bps > 10_000) throw new RangeError(`fee_bps must be 0..10000, got ${fee_bps}`);
  const fee_nanos = divRoundHalfUp(cost_nanos * BigInt(fee_bps), BPS_DENOMINATOR);
  return { provider_nanos: cost_nanos - fee_nanos, fee_nanos };
}

/** The one nanos → cents conversion, for the Stripe boundary: rounds half-up. */
export function nanosToCents(amount_nanos: bigint): bigint {
  return divRoundHalfUp(amount_nanos, NANOS_PER_CENT);
}

/** Cents → nanos, for amounts Stripe reports (always exact). */
export function centsToNanos(amount_cents: bigint | number): bigint {
  if (typeof amount_cents === "number" && !Number.isSafeInteger(amount_cents)) throw new RangeError(`not a whole number of cents: ${amount_cents}`);
  return BigInt(amount_cents) * NANOS_PER_CENT;
}

export function usdToNanos(usd: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?$/.exec(usd.trim());
  if (!m) throw new RangeError(`not a USD amount: ${usd}`);
  const nanos = BigInt(m[2]!) * NANOS_PER_USD + BigInt((m[3] ?? "").padEnd(9, "0"));
  return m[1] ? -nanos : nanos;
}

/** Exact decimal rendering: "$1.234567891" trimmed to at least `min_decimals` places. */
export function formatUsd(amount_nanos: bigint, min_decimals = 2): string {
  const neg = amount_nanos < 0n;
  const abs = neg ? -amount_nanos : amount_nanos;
  const whole = abs / NANOS_PER_USD;
  let frac = (abs % NANOS_PER_USD).toString().padStart(9, "0").replace(/0+$/, "");
  if (frac.length < min_decimals) frac = frac.padEnd(min_decimals, "0");
  return `${neg ? "-" : ""}$${whole}${frac ? "." + frac : ""}`;
}

/** Decimal USD string for JSON (no "$"), exact. */
export function nanosToUsdString(amount_nanos: bigint): string {
  return formatUsd(amount_nanos, 0).replace("$", "").replace(/^(-?)$/, "0") || "0";
}
