import { Writable } from "node:stream";
import { parse } from "csv-parse/sync";
import { sql, type SQL } from "drizzle-orm";
import type { Db, Queryable } from "../../../db/client";
import { users } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import type { ExportKind } from "../../../lib/export-catalog";
import { createOrganizationForUser } from "../../auth/create-organization";
import type { RequestOutcome } from "../../billing/request-outcome";
import { createApiKey } from "../../buyers/create-api-key";
import type { ServiceContext } from "../../context";
import type { ExportFilter } from "./export-definition";
import { runExport } from "./run-export";

/** Test data for the export tests: organizations, keys and settled requests through the real settlement path. */

export function testServices(db: Db, platform_fee_bps = 1_250): ServiceContext {
  return { db, now: () => new Date(), platform_fee_bps, test_credit_nanos: 0n };
}

export async function createTestOrganization(db: Db, name: string, roles = "admin"): Promise<{ organizationId: string; userId: string }> {
  const userId = newId("user");
  await db.insert(users).values({ id: userId, name, email: `${userId}@exports.test` });
  const { organizationId } = await createOrganizationForUser(db, { userId, name, roles, testCreditNanos: 0n });
  return { organizationId, userId };
}

export async function createTestKey(db: Db, organizationId: string, userId: string, name: string): Promise<string> {
  return (await createApiKey(testServices(db), { organizationId, userId, name })).id;
}

/** One request outcome with sane defaults; settle it with settleBatch. */
export function outcome(input: {
  organizationId: string;
  apiKeyId: string;
  providerOrganizationId: string;
  modelId: string;
  completedAt: Date;
  price_nanos_per_second: bigint;
  billed_ms: number;
  status?: RequestOutcome["status"];
}): RequestOutcome {
  const compute_ms = input.billed_ms + 7;
  return {
    requestId: newId("request"),
    organizationId: input.organizationId,
    apiKeyId: input.apiKeyId,
    offerId: "off_01jd0000000000000000000000",
    machineId: "mach_01jd0000000000000000000000",
    providerOrganizationId: input.providerOrganizationId,
    modelId: input.modelId,
    hardwareClass: "rtx-4090",
    endpoint: "/v1/chat/completions",
    stream: input.billed_ms % 2 === 0,
    status: input.status ?? "completed",
    errorCode: input.status === "failed" ? "upstream_error" : null,
    price_nanos_per_second: input.price_nanos_per_second,
    bid_nanos_per_second: null,
    compute_ms,
    served_ms: input.billed_ms,
    quote_ms: null,
    billed_ms: input.billed_ms,
    ttft_ms: input.status === "failed" ? null : 42,
    prompt_tokens: 12,
    completion_tokens: 34,
    dispatchedAt: new Date(input.completedAt.getTime() - compute_ms),
    completedAt: input.completedAt,
    hold: "reservation",
  };
}

/** A Writable that keeps every byte, for comparing exports byte for byte. */
export function byteSink(): { sink: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

/** Runs an export into memory: its bytes and its rows read back with csv-parse (header row as keys). */
export async function exportToMemory(db: Db, kind: ExportKind, filter: Partial<ExportFilter> & Pick<ExportFilter, "period">): Promise<{ bytes: Buffer; rows: Record<string, string>[]; written: number }> {
  const { sink, bytes } = byteSink();
  const { rows: written } = await runExport(db, kind, { organizationId: null, apiKeyId: null, modelId: null, ...filter }, sink);
  const buf = bytes();
  return { bytes: buf, rows: parse<Record<string, string>>(buf, { columns: true }), written };
}

/** Σ of one CSV column as nanos (bigint, exact). */
export function sumColumn(rows: Record<string, string>[], column: string): bigint {
  return rows.reduce((s, r) => s + BigInt(r[column] || "0"), 0n);
}

/** The ledger's own figures for a usage filter: amounts from ledger lines, the row count from journal entries. */
export async function usageLedgerTotals(q: Queryable, filter: ExportFilter) {
  const where: SQL[] = [sql`je.kind = 'request_settlement'`, sql`je.created_at >= ${filter.period.start.toISOString()}::timestamptz`, sql`je.created_at < ${filter.period.end.toISOString()}::timestamptz`];
  if (filter.organizationId) where.push(sql`r.organization_id = ${filter.organizationId}`);
  if (filter.apiKeyId) where.push(sql`r.api_key_id = ${filter.apiKeyId}`);
  if (filter.modelId) where.push(sql`r.model_id = ${filter.modelId}`);
  const cond = sql.join(where, sql` and `);
  const res = (await q.execute<{ entries: string; buyer: string; revenue: string; earnings: string }>(sql`
    select
      (select count(*) from journal_entries je join requests r on r.id = je.request_id where ${cond})::text as entries,
      coalesce(sum(ll.amount_nanos) filter (where ll.account = 'buyer_balance'), 0)::text as buyer,
      coalesce(sum(ll.amount_nanos) filter (where ll.account = 'platform_revenue'), 0)::text as revenue,
      coalesce(sum(ll.amount_nanos) filter (where ll.account = 'provider_earnings'), 0)::text as earnings
    from journal_entries je join requests r on r.id = je.request_id join ledger_lines ll on ll.journal_entry_id = je.id
    where ${cond}`)) as { rows: { entries: string; buyer: string; revenue: string; earnings: string }[] };
  const row = res.rows[0]!;
  return { entries: Number(row.entries), buyer: BigInt(row.buyer), revenue: BigInt(row.revenue), earnings: BigInt(row.earnings) };
}


/**
 * `count` settled requests (request, entry, three balanced lines each) written by three set-based inserts: a
 * large ledger in well under a second, where settleBatch would take many. Spread evenly over `period`.
 */
export async function bulkSettledRequests(
  db: Db,
  input: { organizationId: string; apiKeyId: string; providerOrganizationId: string; count: number; period: { start: Date; end: Date }; modelId?: string },
): Promise<void> {
  const tag = Math.random().toString(36).slice(2, 8).padEnd(6, "0");
  const idOf = (prefix: string, g: SQL) => sql`${prefix + "_" + tag} || lpad((${g})::text, 20, '0')`;
  const g = sql`g`;
  const step_ms = Math.max(1, Math.floor((input.period.end.getTime() - input.period.start.getTime()) / (input.count + 1)));
  const at = sql`${input.period.start.toISOString()}::timestamptz + (g * ${step_ms}::bigint) * interval '1 millisecond'`;
  const series = sql`generate_series(1, ${input.count}::int) as g`;
  await db.execute(sql`
    insert into requests (id, organization_id, api_key_id, offer_id, machine_id, provider_organization_id, model_id, hardware_class, endpoint, stream, status,
      price_nanos_per_second, compute_ms, billed_ms, prompt_tokens, completion_tokens, cost_nanos, provider_earnings_nanos, platform_fee_nanos, dispatched_at, completed_at)
    select ${idOf("req", g)}, ${input.organizationId}, ${input.apiKeyId}, 'off_bulk', 'mach_bulk', ${input.providerOrganizationId}, ${input.modelId ?? "bulk-model"}, 'rtx-4090', '/v1/chat/completions', false, 'completed',
      1000000, 1000 + g % 97, 1000 + g % 97, 10, 20, 1000000 + (g % 97) * 1000, 1000000 + (g % 97) * 1000 - (100000 + (g % 97) * 100), 100000 + (g % 97) * 100, ${at}, ${at}
    from ${series}`);
  await db.execute(sql`
    insert into journal_entries (id, kind, idempotency_key, request_id, created_at)
    select ${idOf("je", g)}, 'request_settlement', 'settle:' || ${idOf("req", g)}, ${idOf("req", g)}, ${at} from ${series}`);
  await db.execute(sql`
    insert into ledger_lines (id, journal_entry_id, account, organization_id, amount_nanos, created_at)
    select ${idOf("ll", sql`g * 3 + l.n`)}, ${idOf("je", g)}, l.account, case l.n when 0 then ${input.organizationId} when 1 then ${input.providerOrganizationId} end,
      case l.n when 0 then -(1000000 + (g % 97) * 1000) when 1 then 1000000 + (g % 97) * 1000 - (100000 + (g % 97) * 100) else 100000 + (g % 97) * 100 end, ${at}
    from ${series} cross join (values (0, 'buyer_balance'), (1, 'provider_earnings'), (2, 'platform_revenue')) as l(n, account)`);
}
