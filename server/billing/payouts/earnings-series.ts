import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { journalEntries, ledgerLines, machines, requests } from "../../../db/schema";
import { ServiceError } from "../../errors";
import { utcDaysInRange } from "./statement-period";

/** Earnings per UTC day, split by machine or model (what the provider's chart shows). */
export type EarningsSeries = {
  by: "machine" | "model";
  from: Date;
  to: Date;
  /** Every UTC day ("YYYY-MM-DD") with an instant in [from, to), oldest first; days without earnings are zeros. */
  days: string[];
  /**
   * Group key (machine id or model id) → label (the machine's name, or the model id) and nano-USD per day,
   * aligned with `days`. Largest total first, then by key.
   */
  groups: { key: string; label: string; nanos: bigint[]; total_nanos: bigint }[];
  /** Σ of the groups per day, aligned with `days`. */
  day_totals_nanos: bigint[];
  /** Σ of the provider_earnings lines of the range's request settlements: the ledger's number, to the nano. */
  total_nanos: bigint;
};

/** A settlement whose request row is missing still counts (the ledger is the record); it shows under this key. */
export const UNKNOWN_GROUP_KEY = "unknown";

/**
 * What a provider earned from requests per UTC day in [from, to) (at most MAX_SERIES_DAYS days), split by machine
 * or model: the provider_earnings lines of `request_settlement` entries, joined to their requests through the
 * entry's request id, so the series sums to the ledger exactly. Payouts and clawbacks are not earnings: they are
 * on the statement, not here.
 */
export async function providerEarningsSeries(q: Queryable, input: { organizationId: string; from: Date; to: Date; by: "machine" | "model" }): Promise<EarningsSeries> {
  if (input.by !== "machine" && input.by !== "model") throw new ServiceError("invalid_input", "Earnings are split by 'machine' or 'model'.", { param: "by" });
  const days = utcDaysInRange(input.from, input.to);

  const lines = q
    .select({
      amount: sql<string>`${ledgerLines.amountNanos}`.as("amount"),
      day: sql<string>`to_char(${ledgerLines.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`.as("day"),
      key: (input.by === "machine" ? sql<string | null>`${requests.machineId}` : sql<string | null>`${requests.modelId}`).as("key"),
      label: (input.by === "machine" ? sql<string | null>`coalesce(${machines.name}, ${requests.machineId})` : sql<string | null>`${requests.modelId}`).as("label"),
    })
    .from(ledgerLines)
    .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
    .leftJoin(requests, eq(requests.id, journalEntries.requestId))
    .leftJoin(machines, eq(machines.id, requests.machineId))
    .where(
      and(
        eq(ledgerLines.account, "provider_earnings"),
        eq(ledgerLines.organizationId, input.organizationId),
        eq(journalEntries.kind, "request_settlement"),
        gte(ledgerLines.createdAt, input.from),
        lt(ledgerLines.createdAt, input.to),
      ),
    )
    .as("l");
  const rows = await q
    .select({ day: lines.day, key: lines.key, label: lines.label, nanos: sql<string>`sum(${lines.amount})::text` })
    .from(lines)
    .groupBy(lines.day, lines.key, lines.label);

  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const byKey = new Map<string, { key: string; label: string; nanos: bigint[]; total_nanos: bigint }>();
  for (const r of rows) {
    const i = dayIndex.get(r.day);
    if (i === undefined) throw new Error(`earnings day ${r.day} is outside [${input.from.toISOString()}, ${input.to.toISOString()})`);
    const key = r.key ?? UNKNOWN_GROUP_KEY;
    let group = byKey.get(key);
    if (!group) {
      group = { key, label: r.label ?? key, nanos: days.map(() => 0n), total_nanos: 0n };
      byKey.set(key, group);
    }
    const nanos = BigInt(r.nanos);
    group.nanos[i]! += nanos;
    group.total_nanos += nanos;
  }
  const groups = [...byKey.values()].sort((a, b) => (a.total_nanos > b.total_nanos ? -1 : a.total_nanos < b.total_nanos ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const day_totals_nanos = days.map((_, i) => groups.reduce((s, g) => s + g.nanos[i]!, 0n));
  const total_nanos = day_totals_nanos.reduce((s, n) => s + n, 0n);
  return { by: input.by, from: input.from, to: input.to, days, groups, day_totals_nanos, total_nanos };
}
