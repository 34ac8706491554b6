import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { journalEntries, ledgerLines, machines, payouts, requests } from "../../../db/schema";
import { statementToCsv } from "./statement-csv";
import { parseStatementMonth, utcDayStart } from "./statement-period";
import { refsFromPayoutKey, statementLineKind } from "./statement-refs";
import { STATEMENT_LINE_KINDS, type ProviderStatement, type StatementLine, type StatementLineKind } from "./statement-types";

export { STATEMENT_LINE_KINDS, type ProviderStatement, type StatementLine, type StatementLineKind } from "./statement-types";

/** Postgres text for an instant, UTC, millisecond precision: parsed back with `new Date` on either driver. */
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

type GroupRow = {
  opening: boolean;
  day: string | null;
  entry_kind: string | null;
  entry_id: string | null;
  idempotency_key: string | null;
  memo: string | null;
  model_id: string | null;
  machine_id: string | null;
  machine_name: string | null;
  amount: string;
  requests: number;
  first_at: string;
  before_end: string;
};

/**
 * The organization's provider_earnings lines before `end`, grouped in one statement (one snapshot, so a line
 * posted while the statement is read cannot make the parts disagree): everything before `start` into one
 * opening row; settlements into (day, model, machine); every other entry on its own. Each row also carries an
 * independent Σ of all lines before `end`, which the grouped rows must add up to.
 */
async function readGroups(q: Queryable, organizationId: string, start: Date, end: Date): Promise<GroupRow[]> {
  const isOpening = lt(ledgerLines.createdAt, start);
  const isSettlement = sql`${journalEntries.kind} = 'request_settlement'`;
  const lines = q
    .select({
      amount: sql<string>`${ledgerLines.amountNanos}`.as("amount"),
      at: sql<string>`${ledgerLines.createdAt}`.as("at"),
      request_id: sql<string | null>`${requests.id}`.as("request_id"),
      opening: sql<boolean>`${isOpening}`.as("opening"),
      day: sql<string | null>`case when ${isOpening} then null else to_char(${ledgerLines.createdAt} at time zone 'UTC', 'YYYY-MM-DD') end`.as("day"),
      entry_kind: sql<string | null>`case when ${isOpening} then null when ${isSettlement} then 'request_settlement' else ${journalEntries.kind} end`.as("entry_kind"),
      entry_id: sql<string | null>`case when ${isOpening} or ${isSettlement} then null else ${journalEntries.id} end`.as("entry_id"),
      idempotency_key: sql<string | null>`case when ${isOpening} or ${isSettlement} then null else ${journalEntries.idempotencyKey} end`.as("idempotency_key"),
      memo: sql<string | null>`case when ${isOpening} or ${isSettlement} then null else ${journalEntries.memo} end`.as("memo"),
      model_id: sql<string | null>`case when ${isOpening} then null else ${requests.modelId} end`.as("model_id"),
      machine_id: sql<string | null>`case when ${isOpening} then null else ${requests.machineId} end`.as("machine_id"),
      machine_name: sql<string | null>`case when ${isOpening} then null else ${machines.name} end`.as("machine_name"),
    })
    .from(ledgerLines)
    .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
    // Only a settlement's request is its own (other kinds may name a request too, e.g. a refund of usage).
    .leftJoin(requests, and(eq(requests.id, journalEntries.requestId), isSettlement))
    .leftJoin(machines, eq(machines.id, requests.machineId))
    .where(and(eq(ledgerLines.account, "provider_earnings"), eq(ledgerLines.organizationId, organizationId), lt(ledgerLines.createdAt, end)))
    .as("l");
  const beforeEnd = sql<string>`(select coalesce(sum(x.amount_nanos), 0)::text from ledger_lines x where x.account = 'provider_earnings' and x.organization_id = ${organizationId} and x.created_at < ${end.toISOString()}::timestamptz)`;
  const keys = [lines.opening, lines.day, lines.entry_kind, lines.entry_id, lines.idempotency_key, lines.memo, lines.model_id, lines.machine_id, lines.machine_name] as const;
  return q
    .select({
      opening: lines.opening,
      day: lines.day,
      entry_kind: lines.entry_kind,
      entry_id: lines.entry_id,
      idempotency_key: lines.idempotency_key,
      memo: lines.memo,
      model_id: lines.model_id,
      machine_id: lines.machine_id,
      machine_name: lines.machine_name,
      amount: sql<string>`sum(${lines.amount})::text`,
      requests: sql<number>`count(${lines.request_id})::int`,
      first_at: sql<string>`to_char(min(${lines.at}) at time zone 'UTC', ${sql.raw(ISO_UTC)})`,
      before_end: beforeEnd,
    })
    .from(lines)
    .groupBy(...keys);
}

/** Money sent to the provider's Stripe balance in [start, end): its payouts' payout_transfer entries (README "Journal entries"). */
async function transfersMadeNanos(q: Queryable, organizationId: string, start: Date, end: Date): Promise<bigint> {
  const [row] = await q
    .select({ total: sql<string>`coalesce(sum(-${ledgerLines.amountNanos}), 0)::text` })
    .from(payouts)
    // The entry is found by its key, so this holds whichever organization the in-transit line names.
    .innerJoin(journalEntries, sql`${journalEntries.idempotencyKey} = 'payout:' || ${payouts.id} || ':transferred'`)
    .innerJoin(ledgerLines, and(eq(ledgerLines.journalEntryId, journalEntries.id), eq(ledgerLines.account, "provider_in_transit")))
    .where(and(eq(payouts.organizationId, organizationId), eq(journalEntries.kind, "payout_transfer"), gte(ledgerLines.createdAt, start), lt(ledgerLines.createdAt, end)));
  return BigInt(row?.total ?? "0");
}

function describeLine(kind: StatementLineKind, g: GroupRow, machine_label: string | null, failure_reason: string | null): string {
  switch (kind) {
    case "earnings":
      return `Earnings: ${g.model_id ?? "unknown model"} on ${machine_label ?? "unknown machine"} (${g.requests} request${g.requests === 1 ? "" : "s"})`;
    case "payout":
      return "Payout to your Stripe account";
    case "payout_failure":
      return `Payout failed, returned to your balance${failure_reason ? `: ${failure_reason}` : ""}`;
    case "payout_reversal":
      return "Transfer reversed, returned to your balance";
    case "clawback":
      return "Clawback: a buyer's refund or dispute on earnings still on hold";
    case "clawback_release":
      return "Clawback released: the dispute was decided for you";
    case "other":
      return `Adjustment (${g.entry_kind ?? "unknown"})${g.memo ? `: ${g.memo}` : ""}`;
  }
}

/** Code-point order (never locale order): the same rows sort the same everywhere, so the CSV is byte-stable. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareLines(a: StatementLine, b: StatementLine): number {
  const byDay = a.day.getTime() - b.day.getTime();
  if (byDay !== 0) return byDay;
  const aEarn = a.kind === "earnings" ? 0 : 1;
  const bEarn = b.kind === "earnings" ? 0 : 1;
  if (aEarn !== bEarn) return aEarn - bEarn;
  if (aEarn === 0) return cmp(a.model_id ?? "", b.model_id ?? "") || cmp(a.machine_id ?? "", b.machine_id ?? "");
  return a.at.getTime() - b.at.getTime() || cmp(a.journal_entry_id ?? "", b.journal_entry_id ?? "");
}

/**
 * A provider's statement for one UTC month [start, end) (README "Payouts", statements): the opening balance, every
 * provider_earnings line of the month (earnings grouped per day, model and machine; each payout, failure,
 * reversal and clawback entry on its own with its payout / Stripe ids), totals per kind and the closing balance.
 * The closing balance is opening + Σ lines and must equal the ledger's Σ before `end`: a mismatch is a bug and throws.
 */
export async function providerStatement(q: Queryable, input: { organizationId: string; month: string }): Promise<ProviderStatement> {
  const { start, end } = parseStatementMonth(input.month);
  const groups = await readGroups(q, input.organizationId, start, end);

  const monthGroups = groups.filter((g) => !g.opening);
  const payoutIds = [...new Set(monthGroups.map((g) => (g.idempotency_key ? refsFromPayoutKey(g.idempotency_key).payout_id : null)).filter((id): id is string => id !== null))];
  // Scoped to the organization: a key naming someone else's payout shows no Stripe ids.
  const payoutRows = payoutIds.length
    ? await q
        .select({ id: payouts.id, transfer: payouts.stripeTransferId, reason: payouts.failureReason })
        .from(payouts)
        .where(and(inArray(payouts.id, payoutIds), eq(payouts.organizationId, input.organizationId)))
    : [];
  const payoutById = new Map(payoutRows.map((p) => [p.id, p]));

  const lines = monthGroups.map((g): StatementLine => {
    const kind = statementLineKind(g.entry_kind ?? "");
    const refs = g.idempotency_key ? refsFromPayoutKey(g.idempotency_key) : { payout_id: null, stripe_reversal_id: null, clawback_source: null };
    const payout = refs.payout_id ? payoutById.get(refs.payout_id) : undefined;
    const machine_label = kind === "earnings" ? (g.machine_name ?? g.machine_id) : null;
    return {
      day: utcDayStart(g.day!),
      at: new Date(g.first_at),
      kind,
      description: describeLine(kind, g, machine_label, payout?.reason ?? null),
      model_id: kind === "earnings" ? g.model_id : null,
      machine_id: kind === "earnings" ? g.machine_id : null,
      machine_label,
      reference: refs.payout_id ?? refs.stripe_reversal_id ?? refs.clawback_source,
      payout_id: refs.payout_id,
      stripe_transfer_id: payout?.transfer ?? null,
      stripe_reversal_id: refs.stripe_reversal_id,
      journal_entry_id: kind === "earnings" ? null : g.entry_id,
      requests: kind === "earnings" ? g.requests : 0,
      amount_nanos: BigInt(g.amount),
    };
  });
  lines.sort(compareLines);

  const totals = Object.fromEntries(STATEMENT_LINE_KINDS.map((k) => [k, 0n])) as Record<StatementLineKind, bigint>;
  for (const line of lines) totals[line.kind] += line.amount_nanos;
  const opening_balance_nanos = groups.filter((g) => g.opening).reduce((s, g) => s + BigInt(g.amount), 0n);
  const closing_balance_nanos = lines.reduce((s, l) => s + l.amount_nanos, opening_balance_nanos);
  const ledger_before_end_nanos = BigInt(groups[0]?.before_end ?? "0");
  if (closing_balance_nanos !== ledger_before_end_nanos) {
    throw new Error(
      `statement ${input.organizationId} ${input.month} does not sum to the ledger: opening + lines = ${closing_balance_nanos}, ledger before ${end.toISOString()} = ${ledger_before_end_nanos}`,
    );
  }
  const transferred_nanos = (await transfersMadeNanos(q, input.organizationId, start, end)) - totals.payout_reversal;
  return { organizationId: input.organizationId, month: input.month, start, end, opening_balance_nanos, lines, totals, closing_balance_nanos, transferred_nanos };
}

/** The statement as CSV (statement-csv.ts): byte-identical for the same month and ledger. */
export async function providerStatementCsv(q: Queryable, input: { organizationId: string; month: string }): Promise<string> {
  return statementToCsv(await providerStatement(q, input));
}
