import { sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { newId } from "../../../lib/ids";

export const HOUR_MS = 3_600_000;

/** Start of the UTC hour `at` falls in (usage is metered per organization per UTC hour). */
export function hourStartUtc(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/** The meter event identifier of one outbox row: deterministic, so a repeat push is a duplicate at Stripe. */
export function meterIdentifier(organizationId: string, hourStart: Date, seq: number): string {
  return `${organizationIdentifierPrefix(organizationId, hourStart)}${seq}`;
}

function organizationIdentifierPrefix(organizationId: string, hourStart: Date): string {
  return `${organizationId}:${hourStart.toISOString()}:`;
}

export type SettledUsage = { organizationId: string; completedAt: Date; cost_nanos: bigint };

/**
 * Inside the settlement transaction (settle-batch.ts): adds settled costs of invoiced organizations to their
 * open meter outbox row of the UTC hour the request completed in, in ONE statement for the whole batch
 * whatever its size. Organizations that are not invoiced are filtered by the join, in the database, so the
 * mode in force is the one committed when the batch settles (no cache to go stale). An hour whose rows are
 * all closed (already pushed or being pushed) gets a new row with the next `seq`, so late usage is never lost
 * and a pushed value never changes.
 */
export async function addUsageToMeterOutbox(tx: Queryable, usage: SettledUsage[]): Promise<void> {
  const totals = new Map<string, { organizationId: string; hourStart: Date; value_nanos: bigint }>();
  for (const u of usage) {
    if (u.cost_nanos <= 0n) continue;
    const hourStart = hourStartUtc(u.completedAt);
    const key = `${u.organizationId}|${hourStart.getTime()}`;
    const t = totals.get(key);
    if (t) t.value_nanos += u.cost_nanos;
    else totals.set(key, { organizationId: u.organizationId, hourStart, value_nanos: u.cost_nanos });
  }
  if (totals.size === 0) return;
  // Sorted, so concurrent settlement transactions (several gateways) lock outbox rows in one order: no deadlock.
  const rows = [...totals.values()].sort((a, b) => (a.organizationId < b.organizationId ? -1 : a.organizationId > b.organizationId ? 1 : a.hourStart.getTime() - b.hourStart.getTime()));
  const values = sql.join(
    rows.map((r, i) => sql`(${i}::int, ${newId("meterOutbox")}, ${r.organizationId}, ${r.hourStart.toISOString()}::timestamptz, ${r.value_nanos.toString()}::bigint, ${organizationIdentifierPrefix(r.organizationId, r.hourStart)})`),
    sql`, `,
  );
  // ON CONFLICT names the partial unique index of open rows: an open row accumulates; otherwise a new row
  // takes seq = max(seq) + 1 of the hour (0 for the first), and its identifier ends in that seq.
  await tx.execute(sql`
    insert into meter_outbox (id, organization_id, hour_start, seq, value_nanos, identifier, status)
    select v.id, v.organization_id, v.hour_start, s.seq, v.value_nanos, v.identifier_prefix || s.seq::text, 'open'
    from (values ${values}) as v(ord, id, organization_id, hour_start, value_nanos, identifier_prefix)
    join organization_billing ob on ob.organization_id = v.organization_id and ob.mode = 'invoiced'
    cross join lateral (
      select coalesce(max(m.seq) + 1, 0) as seq from meter_outbox m where m.organization_id = v.organization_id and m.hour_start = v.hour_start
    ) s
    order by v.ord
    on conflict (organization_id, hour_start) where status = 'open'
    do update set value_nanos = meter_outbox.value_nanos + excluded.value_nanos`);
}
