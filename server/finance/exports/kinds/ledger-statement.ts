import { sql, type SQL } from "drizzle-orm";
import type { LedgerAccount } from "../../../../db/schema";
import { ServiceError } from "../../../errors";
import { monthKey, nextMonthStart, type Period } from "../../period";
import type { ExportFilter } from "../export-definition";
import type { CsvColumn } from "../stream-csv";
import { amountColumns, textColumn, type TextRow } from "./text-row-columns";

/**
 * Monthly statements (buyer, provider) as one pivot of the ledger per organization: for each account, the
 * opening balance (Σ lines before the month), one column per journal entry kind that moves it in the month
 * (named like the journal export's `kind`, so an auditor can pivot that file and land on the same figures), an
 * `other` column for any kind not listed (so opening + movements = closing holds whatever gets posted later),
 * and the closing balance (opening + Σ the account's lines in the month, computed apart from the columns).
 */
export type StatementAccount = {
  account: LedgerAccount;
  /** Column prefix: "" for a one-account statement, else the account's name and "_". */
  prefix: string;
  /** Kinds with their own column, in column order. */
  kinds: readonly string[];
};

const ident = (name: string) => sql.raw(`"${name}"`);
const sumOf = (expr: SQL) => sql`coalesce(${expr}, 0)`;

/** The statement's month as "YYYY-MM"; a statement covers exactly one calendar month (spec.period "month"). */
export function statementMonth(period: Period): string {
  const start = period.start;
  const isMonthStart = start.getTime() === Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1);
  if (!isMonthStart || period.end.getTime() !== nextMonthStart(start).getTime()) {
    throw new ServiceError("invalid_input", "A statement covers one calendar month (month=YYYY-MM).", { param: "month" });
  }
  return monthKey(start);
}

/**
 * One row per organization with a line on any of the accounts before the month's end (one that only ever had
 * lines summing to zero included), ordered by organization id in code-point order (`collate "C"`: the same on
 * every database and locale). Every amount is selected as `::text`. Throws invalid_input unless the period is a
 * calendar month.
 */
export function statementQuery(accounts: readonly StatementAccount[], filter: ExportFilter): SQL {
  const month = statementMonth(filter.period);
  const start = sql`${filter.period.start.toISOString()}::timestamptz`;
  const end = sql`${filter.period.end.toISOString()}::timestamptz`;
  const accountList = sql.join(
    accounts.map((a) => sql`${a.account}`),
    sql`, `,
  );
  const orgFilter = (column: SQL) => (filter.organizationId === null ? sql`` : sql` and ${column} = ${filter.organizationId}`);

  const openingSums = accounts.map((a) => sql`sum(amount_nanos) filter (where account = ${a.account}) as ${ident(`${a.prefix}opening`)}`);
  const movementSums = accounts.flatMap((a) => [
    ...a.kinds.map((k) => sql`sum(l.amount_nanos) filter (where l.account = ${a.account} and je.kind = ${k}) as ${ident(`${a.prefix}${k}`)}`),
    sql`sum(l.amount_nanos) filter (where l.account = ${a.account} and je.kind not in (${sql.join(
      a.kinds.map((k) => sql`${k}`),
      sql`, `,
    )})) as ${ident(`${a.prefix}other`)}`,
    sql`sum(l.amount_nanos) filter (where l.account = ${a.account}) as ${ident(`${a.prefix}total`)}`,
  ]);
  const outputs = accounts.flatMap((a) => {
    const opening = sumOf(sql`o.${ident(`${a.prefix}opening`)}`);
    return [
      sql`${opening}::text as ${ident(`${a.prefix}opening_nanos`)}`,
      ...[...a.kinds, "other"].map((k) => sql`${sumOf(sql`m.${ident(`${a.prefix}${k}`)}`)}::text as ${ident(`${a.prefix}${k}_nanos`)}`),
      sql`(${opening} + ${sumOf(sql`m.${ident(`${a.prefix}total`)}`)})::text as ${ident(`${a.prefix}closing_nanos`)}`,
    ];
  });

  return sql`
    with opening as (
      select organization_id, ${sql.join(openingSums, sql`, `)}
      from ledger_lines
      where account in (${accountList}) and created_at < ${start}${orgFilter(sql`organization_id`)}
      group by organization_id
    ), moves as (
      select l.organization_id, ${sql.join(movementSums, sql`, `)}
      from ledger_lines l
      join journal_entries je on je.id = l.journal_entry_id
      where l.account in (${accountList}) and l.created_at >= ${start} and l.created_at < ${end}${orgFilter(sql`l.organization_id`)}
      group by l.organization_id
    ), ids as (
      select organization_id from opening union select organization_id from moves
    )
    select ids.organization_id, ${month}::text as month, ${sql.join(outputs, sql`, `)}
    from ids
    left join opening o on o.organization_id is not distinct from ids.organization_id
    left join moves m on m.organization_id is not distinct from ids.organization_id
    order by ids.organization_id collate "C" nulls last`;
}

/**
 * organization_id, month, then per account: opening, one per kind, other, closing. No organization name: an admin
 * can rename the organization, which would change a closed month's file (the Finance page shows names).
 */
export function statementColumns(accounts: readonly StatementAccount[]): CsvColumn<TextRow>[] {
  return [
    textColumn("organization_id"),
    textColumn("month"),
    ...accounts.flatMap((a) => [
      ...amountColumns(`${a.prefix}opening`, { rounded: true }),
      ...[...a.kinds, "other"].flatMap((k) => amountColumns(`${a.prefix}${k}`, { rounded: false })),
      ...amountColumns(`${a.prefix}closing`, { rounded: true }),
    ]),
  ];
}
