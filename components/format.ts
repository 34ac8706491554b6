import { formatUsd } from "@/lib/money";

const DATE_TIME = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** Local date and time; render only on the client (server and browser time zones differ). */
export function formatDateTime(at: Date): string {
  return DATE_TIME.format(at);
}

/** "3 s ago", "5 min ago", … for heartbeats and other recency. */
export function formatAgo(at: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A price per slot-second, exact: "$0.0002/s". */
export function formatPricePerSecond(nanos_per_second: bigint): string {
  return `${formatUsd(nanos_per_second)}/s`;
}

export function formatInt(n: number): string {
  return n.toLocaleString("en-US");
}
