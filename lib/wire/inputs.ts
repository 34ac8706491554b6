import { z } from "zod";
import { MAX_PRICE_NANOS_PER_SECOND, usdToNanos } from "../money";

/**
 * Shapes for numbers and text that strangers send (buyers on /v1, agents on /agent/v1). Every money-shaped
 * value goes through one of these ranges, so nothing out of range reaches pricing, the ledger or a column.
 */

/** Text that PostgreSQL can store and people can read: no NUL or other C0 control characters except tab/newline. */
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
export function wireText(max: number) {
  return z.string().max(max).refine((s) => !CONTROL_CHARS.test(s), "must not contain control characters");
}

/** USD as a decimal string, at most nine decimals (one nano-dollar), digits only. */
const USD_DECIMAL = /^\d{1,13}(\.\d{1,9})?$/;

/** Nano-USD per second from a USD value a buyer sent as a JSON number or a decimal string; null when not one. */
export function usdPerSecondToNanos(v: number | string): bigint | null {
  const text = typeof v === "number" ? (Number.isFinite(v) && v >= 0 && v <= 1e6 ? v.toFixed(9) : "") : v.trim();
  return USD_DECIMAL.test(text) ? usdToNanos(text) : null;
}

/** A bid in USD per slot-second (number or decimal string), $0 to $1,000. */
export const usdPerSecond = z
  .union([z.number(), z.string().max(40)])
  .refine((v) => {
    const nanos = usdPerSecondToNanos(v);
    return nanos !== null && nanos <= MAX_PRICE_NANOS_PER_SECOND;
  }, "a USD amount per second from 0 to 1000 with at most 9 decimals, like 0.0001");

/** An ask in integer nano-USD per slot-second as a decimal string: 1 nano to $1,000. */
const NANOS_INTEGER = /^\d{1,13}$/;
// One check, not regex + refine: zod 4 runs every refinement even after a failed regex, so BigInt() must not see "1.5".
export const askNanosString = z
  .string()
  .refine((s) => NANOS_INTEGER.test(s) && BigInt(s) >= 1n && BigInt(s) <= MAX_PRICE_NANOS_PER_SECOND, "an ask in integer nano-USD per slot-second, from 1 to 1000000000000 ($1,000), as a decimal string");

/** A whole number in [min, max]. */
export function intIn(min: number, max: number) {
  return z.number().int().min(min).max(max);
}

/** A finite measurement in (0, max]. */
export function positiveUpTo(max: number) {
  return z.number().positive().max(max);
}
