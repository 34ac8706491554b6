/**
 * Stripe's meter event `value` is a string of at most 15 significant digits (STRIPE.md). A row worth more
 * (≥ $1,000,000 in one organization-hour) is split, not stuck: deterministic parts of at most 15 digits each,
 * part 0 under the row's own identifier and part k under `<identifier>:<k>`, so a repeat push of any part is a
 * duplicate at Stripe and the parts always sum to the row's value exactly.
 */
export const MAX_METER_VALUE = 999_999_999_999_999n;

export type MeterPart = { identifier: string; value: string };

export function meterParts(identifier: string, value_nanos: bigint): MeterPart[] {
  if (value_nanos < 0n) throw new RangeError(`meter value must not be negative, got ${value_nanos}`);
  const parts: MeterPart[] = [];
  let rest = value_nanos;
  for (let k = 0; rest > 0n || k === 0; k++) {
    const value = rest > MAX_METER_VALUE ? MAX_METER_VALUE : rest;
    parts.push({ identifier: k === 0 ? identifier : `${identifier}:${k}`, value: value.toString() });
    rest -= value;
  }
  return parts;
}

/** Retry delay after the `attempts`-th failed push: 30 s doubling to at most 30 min (many tries inside Stripe's 24 h dedupe window). */
export function meterRetryDelayMs(attempts: number): number {
  const n = Math.max(1, Math.min(attempts, 10));
  return Math.min(30_000 * 2 ** (n - 1), 30 * 60_000);
}
