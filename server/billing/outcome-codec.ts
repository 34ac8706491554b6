import type { RequestOutcome } from "./request-outcome";

/** RequestOutcome fields that are bigint or Date in memory and strings on disk (the WAL) and in jsonb (dead letters). */
const BIGINT_FIELDS = ["price_nanos_per_second", "bid_nanos_per_second"] as const;
const DATE_FIELDS = ["dispatchedAt", "completedAt"] as const;

/** Plain JSON form of an outcome: bigints as decimal strings, dates as ISO strings. */
export function outcomeToJson(o: RequestOutcome): Record<string, unknown> {
  return JSON.parse(JSON.stringify(o, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;
}

export function encodeOutcomeLine(o: RequestOutcome): string {
  return JSON.stringify(o, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n";
}

export function outcomeFromJson(raw: Record<string, unknown>): RequestOutcome {
  const out: Record<string, unknown> = { ...raw };
  for (const f of BIGINT_FIELDS) out[f] = out[f] === null || out[f] === undefined ? null : BigInt(out[f] as string);
  for (const f of DATE_FIELDS) out[f] = new Date(out[f] as string);
  return out as RequestOutcome;
}

export function decodeOutcomeLine(line: string): RequestOutcome {
  return outcomeFromJson(JSON.parse(line) as Record<string, unknown>);
}
