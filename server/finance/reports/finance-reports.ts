import { sql, type SQL } from "drizzle-orm";
import type { Tx } from "../../../db/client";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { inSnapshot } from "../exports/snapshot-cursor";
import { MAX_PERIOD_DAYS, type Period } from "../period";
import { periodDays } from "./period-days";
import type { FinanceDay, FinanceReports, MarketRevenue, TopOrganization } from "./types";

export const DEFAULT_REPORT_LIMIT = 10;
export const MAX_REPORT_LIMIT = 100;
const DAY_MS = 86_400_000;

/**
 * Entry kinds behind each daily figure (journal kinds: db/schema/ledger.ts; payouts: server/billing/payouts/README.md).
 * Refunds and disputes move buyer_balance down and reversals and reinstatements move it back up, so one signed
 * sum nets them; a payout transfer moves stripe_clearing up by what left the platform's Stripe balance and a
 * transfer reversal moves it back, so their sum is what was paid out net of reversals.
 */
const TOP_UP_KINDS = ["top_up", "invoice_payment"] as const;
const REFUND_KINDS = ["refund", "refund_reversal", "dispute_withdrawal", "dispute_reinstatement"] as const;
const PAYOUT_KINDS = ["payout_transfer", "payout_reversal"] as const;

const inKinds = (kinds: readonly string[]) => sql.join(kinds.map((k) => sql`${k}`), sql`, `);

/**
 * The Finance page's charts and tables for `period`, all from the ledger by posting date (journal_entries.created_at)
 * and all read in one snapshot, so the days, the tops and the roll-forward shown beside them agree even while
 * settlement posts. Days are UTC and zero-filled; the tops are limited to `limit` (default 10) each.
 */
export async function financeReports(ctx: ServiceContext, period: Period, opts?: { limit?: number }): Promise<FinanceReports> {
  const limit = opts?.limit ?? DEFAULT_REPORT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REPORT_LIMIT) throw new ServiceError("invalid_input", `A report's limit is a whole number from 1 to ${MAX_REPORT_LIMIT}.`, { param: "limit" });
  const span_ms = period.end.getTime() - period.start.getTime();
  if (!Number.isFinite(span_ms) || span_ms <= 0 || span_ms > MAX_PERIOD_DAYS * DAY_MS) {
    throw new ServiceError("invalid_input", `A report covers a period of at most ${MAX_PERIOD_DAYS} days, start before end.`, { param: "period" });
  }
  return inSnapshot(ctx.db, async (tx) => ({
    days: await dailyFigures(tx, period),
    top_buyers: await topOrganizations(tx, period, "buyer", limit),
    top_providers: await topOrganizations(tx, period, "provider", limit),
    markets: await marketsByRevenue(tx, period, limit),
  }));
}

const inPeriod = (period: Period): SQL => sql`e.created_at >= ${period.start.toISOString()}::timestamptz and e.created_at < ${period.end.toISOString()}::timestamptz`;
const dayOf = sql`((e.created_at at time zone 'UTC')::date)::text`;

async function rows<Row extends Record<string, unknown>>(tx: Tx, query: SQL): Promise<Row[]> {
  // Both drivers answer `execute` with `{ rows }` (node-postgres' QueryResult, PGlite's Results).
  const result = (await tx.execute(query)) as { rows: Row[] };
  return result.rows;
}

type DayRow = { day: string; usage: string; fees: string; top_ups: string; refunds: string; payouts: string; stripe_fees: string };

async function dailyFigures(tx: Tx, period: Period): Promise<FinanceDay[]> {
  const sums = await rows<DayRow>(
    tx,
    sql`select ${dayOf} as day,
      coalesce(sum(case when e.kind = 'request_settlement' and l.account = 'buyer_balance' then -l.amount_nanos end), 0)::text as usage,
      coalesce(sum(case when l.account = 'platform_revenue' then l.amount_nanos end), 0)::text as fees,
      coalesce(sum(case when e.kind in (${inKinds(TOP_UP_KINDS)}) and l.account = 'buyer_balance' then l.amount_nanos end), 0)::text as top_ups,
      coalesce(sum(case when e.kind in (${inKinds(REFUND_KINDS)}) and l.account = 'buyer_balance' then -l.amount_nanos end), 0)::text as refunds,
      coalesce(sum(case when e.kind in (${inKinds(PAYOUT_KINDS)}) and l.account = 'stripe_clearing' then l.amount_nanos end), 0)::text as payouts,
      coalesce(sum(case when l.account = 'platform_expense' then -l.amount_nanos end), 0)::text as stripe_fees
    from journal_entries e join ledger_lines l on l.journal_entry_id = e.id
    where ${inPeriod(period)}
    group by 1`,
  );
  // Counted from entries, not lines: a request that cost nothing (a failed one) has an entry and no lines.
  const counts = await rows<{ day: string; requests: number }>(
    tx,
    sql`select ${dayOf} as day, count(*)::int as requests from journal_entries e where e.kind = 'request_settlement' and ${inPeriod(period)} group by 1`,
  );
  const byDay = new Map(sums.map((r) => [r.day, r]));
  const requestsByDay = new Map(counts.map((r) => [r.day, Number(r.requests)]));
  return periodDays(period).map((day) => {
    const r = byDay.get(day);
    return {
      day,
      usage_nanos: BigInt(r?.usage ?? "0"),
      fees_nanos: BigInt(r?.fees ?? "0"),
      top_ups_nanos: BigInt(r?.top_ups ?? "0"),
      refunds_nanos: BigInt(r?.refunds ?? "0"),
      payouts_nanos: BigInt(r?.payouts ?? "0"),
      stripe_fees_nanos: BigInt(r?.stripe_fees ?? "0"),
      requests: requestsByDay.get(day) ?? 0,
    };
  });
}

type TopRow = { organization_id: string; name: string; amount: string; requests: number };

/**
 * Buyers by usage (−buyer_balance of settlements) or providers by earnings (provider_earnings of settlements),
 * by the organization on the ledger line; requests counted from the requests rows the settlements belong to.
 */
async function topOrganizations(tx: Tx, period: Period, side: "buyer" | "provider", limit: number): Promise<TopOrganization[]> {
  const account = side === "buyer" ? "buyer_balance" : "provider_earnings";
  const sign = side === "buyer" ? sql`-1` : sql`1`;
  const requestOrg = side === "buyer" ? sql`r.organization_id` : sql`r.provider_organization_id`;
  const found = await rows<TopRow>(
    tx,
    sql`select x.org as organization_id, coalesce(o.name, '') as name, sum(x.amount)::text as amount, sum(x.requests)::int as requests
    from (
      select l.organization_id as org, ${sign} * l.amount_nanos as amount, 0 as requests
        from journal_entries e join ledger_lines l on l.journal_entry_id = e.id
        where e.kind = 'request_settlement' and l.account = ${account} and l.organization_id is not null and ${inPeriod(period)}
      union all
      select ${requestOrg} as org, 0 as amount, 1 as requests
        from journal_entries e join requests r on r.id = e.request_id
        where e.kind = 'request_settlement' and ${inPeriod(period)}
    ) x left join organizations o on o.id = x.org
    group by x.org, o.name
    order by sum(x.amount) desc, sum(x.requests) desc, x.org collate "C"
    limit ${limit}`,
  );
  return found.map((r) => ({ organization_id: r.organization_id, name: r.name, amount_nanos: BigInt(r.amount), requests: Number(r.requests) }));
}

type MarketRow = { model_id: string; hardware_class: string; usage: string; fees: string; requests: number };

/** Markets (model × hardware class of the request) by the platform fee they earned. */
async function marketsByRevenue(tx: Tx, period: Period, limit: number): Promise<MarketRevenue[]> {
  const found = await rows<MarketRow>(
    tx,
    sql`select r.model_id, r.hardware_class,
      coalesce(sum(case when l.account = 'buyer_balance' then -l.amount_nanos end), 0)::text as usage,
      coalesce(sum(case when l.account = 'platform_revenue' then l.amount_nanos end), 0)::text as fees,
      count(distinct e.id)::int as requests
    from journal_entries e
      join requests r on r.id = e.request_id
      left join ledger_lines l on l.journal_entry_id = e.id
    where e.kind = 'request_settlement' and ${inPeriod(period)}
    group by r.model_id, r.hardware_class
    order by coalesce(sum(case when l.account = 'platform_revenue' then l.amount_nanos end), 0) desc,
      coalesce(sum(case when l.account = 'buyer_balance' then -l.amount_nanos end), 0) desc, r.model_id collate "C", r.hardware_class collate "C"
    limit ${limit}`,
  );
  return found.map((r) => ({ model_id: r.model_id, hardware_class: r.hardware_class, usage_nanos: BigInt(r.usage), fees_nanos: BigInt(r.fees), requests: Number(r.requests) }));
}
