import { formatUsd, usdToNanos } from "../../lib/money";

/** What a person typed into a USD field, checked before it is sent (the server checks again, in the same words). */
export type UsdAmountCheck = { ok: true; nanos: bigint; text: string } | { ok: false; message: string };

const WHOLE_CENTS = /^\d{1,10}(\.\d{1,2})?$/;

/**
 * A USD amount in whole cents ("20", "20.5", "$20.50", "1,000"): Stripe charges cents, so a top-up or
 * an auto top-up amount has no fraction of a cent. Bounds are nano-USD, inclusive; null = unbounded.
 */
export function checkUsdAmount(input: string, bounds: { min_nanos?: bigint | null; max_nanos?: bigint | null } = {}): UsdAmountCheck {
  const text = input.trim().replace(/^\$/, "").replaceAll(",", "");
  if (text === "") return { ok: false, message: "Enter an amount in USD." };
  if (!WHOLE_CENTS.test(text)) return { ok: false, message: "Enter a USD amount in whole cents, like 20 or 20.50." };
  const nanos = usdToNanos(text);
  if (bounds.min_nanos != null && nanos < bounds.min_nanos) return { ok: false, message: `The minimum is ${formatUsd(bounds.min_nanos)}.` };
  if (bounds.max_nanos != null && nanos > bounds.max_nanos) return { ok: false, message: `The maximum is ${formatUsd(bounds.max_nanos)}.` };
  return { ok: true, nanos, text };
}

/** Nano-USD as the plain decimal a USD field holds ("20.00"), for prefilling forms. */
export function nanosToUsdField(amount_nanos: bigint): string {
  return formatUsd(amount_nanos).replace("$", "");
}
