import { NANOS_PER_USD } from "../../lib/money";

/** Charts plot numbers: USD per slot-second as a float. Display only — money stays bigint everywhere else. */
export function nanosToUsdNumber(nanos: bigint): number {
  return Number(nanos) / Number(NANOS_PER_USD);
}

/** Millislots (slot-ms per second) → slots held on average. */
export function millislotsToSlots(millislots: number): number {
  return millislots / 1000;
}

export function formatSlots(slots: number): string {
  return slots.toLocaleString("en-US", { maximumFractionDigits: slots < 10 ? 2 : 1 });
}

export function formatUtilization(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** Compact axis label for a USD-per-second price: "$0.00012". */
export function formatUsdAxis(usd: number): string {
  if (usd === 0) return "$0";
  return `$${usd.toPrecision(3).replace(/\.?0+$/, "")}`;
}
