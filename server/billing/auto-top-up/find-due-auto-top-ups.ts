import { sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { ATTEMPT_LEASE_MS } from "./start-attempt";

/**
 * Organizations the auto top-up worker should run now, in one query: auto top-up on with a saved card, prepaid
 * (not invoiced), no attempt pending, and available credit (ledger balance less reservations, unexpired credit
 * leases and open settlement dead letters: exactly getBuyerBalance's `available_nanos`) below the threshold;
 * plus every organization whose pending attempt's lease has lapsed (a crashed or failed try to resume).
 */
export async function findDueAutoTopUps(q: Queryable, input: { now: Date; limit?: number }): Promise<string[]> {
  const now = input.now.toISOString();
  const staleBefore = new Date(input.now.getTime() - ATTEMPT_LEASE_MS).toISOString();
  const limit = input.limit ?? 500;
  const result = (await q.execute<{ organization_id: string }>(sql`
    select s.organization_id from auto_top_up_settings s
    left join organization_billing b on b.organization_id = s.organization_id
    where s.enabled and s.stripe_payment_method_id is not null and coalesce(b.mode, 'prepaid') = 'prepaid'
      and not exists (select 1 from top_ups t where t.organization_id = s.organization_id and t.kind = 'auto' and t.status = 'pending')
      and coalesce((select sum(l.amount_nanos) from ledger_lines l where l.account = 'buyer_balance' and l.organization_id = s.organization_id), 0)
        - coalesce((select sum(r.amount_nanos) from reservations r where r.organization_id = s.organization_id and r.expires_at > ${now}::timestamptz), 0)
        - coalesce((select sum(c.amount_nanos) from credit_leases c where c.organization_id = s.organization_id and c.expires_at > ${now}::timestamptz), 0)
        - coalesce((select sum(d.amount_nanos) from settlement_dead_letters d where d.organization_id = s.organization_id and d.resolved_at is null), 0)
        < s.threshold_nanos
    union
    select t.organization_id from top_ups t
    where t.kind = 'auto' and t.status = 'pending' and t.updated_at <= ${staleBefore}::timestamptz
    limit ${limit}
  `)) as { rows: { organization_id: string }[] };
  return result.rows.map((r) => r.organization_id);
}
