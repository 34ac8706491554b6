import { sql } from "drizzle-orm";
import { openDatabase } from "/work/main/db/client";
import { exportToMemory } from "/work/main/server/finance/exports/export-test-data";
import { monthPeriod } from "/work/main/server/finance/period";
const N = Number(process.argv[2] ?? 200000);
const d = await openDatabase({});
const db = d.db;
await db.execute(sql`insert into organizations (id, name, slug) select 'org_' || lpad(g::text, 26, '0'), 'org ' || g, 'slug-' || g from generate_series(1, 200) g`);
await db.execute(sql`insert into journal_entries (id, kind, idempotency_key, created_at)
  select 'je_' || lpad(g::text, 26, '0'), case when g % 50 = 0 then 'refund' else 'request_settlement' end, 'k:' || g, '2026-10-01'::timestamptz + (g * interval '20 second') from generate_series(1, ${N}::int) g`);
await db.execute(sql`insert into ledger_lines (id, journal_entry_id, account, organization_id, amount_nanos, created_at)
  select 'll_' || lpad((g*2)::text, 26, '0'), 'je_' || lpad(g::text, 26, '0'), 'buyer_balance', 'org_' || lpad((g % 200 + 1)::text, 26, '0'), -g, '2026-10-01'::timestamptz + (g * interval '20 second') from generate_series(1, ${N}::int) g
  union all
  select 'll_' || lpad((g*2+1)::text, 26, '0'), 'je_' || lpad(g::text, 26, '0'), 'provider_earnings', 'org_' || lpad((g % 7 + 1)::text, 26, '0'), g, '2026-10-01'::timestamptz + (g * interval '20 second') from generate_series(1, ${N}::int) g`);
await db.execute(sql`analyze`);
const span = (await db.execute(sql`select min(created_at)::text a, max(created_at)::text b from journal_entries`)) as { rows: unknown[] };
console.log("seeded", N, span.rows);
for (const k of ["buyer-statements", "provider-statements", "adjustments", "payouts"] as const) {
  for (const m of ["2026-11", "2026-12"]) {
    const t = performance.now();
    const r = await exportToMemory(db, k, { period: monthPeriod(m) });
    console.log(k, m, r.written, "rows", ((performance.now() - t) / 1000).toFixed(2), "s");
  }
}
await d.close();
