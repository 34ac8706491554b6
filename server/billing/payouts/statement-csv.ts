import { stringify } from "csv-stringify/sync";
import { exactUsd, roundedCentsUsd, spreadsheetSafe } from "../../finance/exports/csv-cells";
import { utcDayKey } from "./statement-period";
import { STATEMENT_LINE_KINDS, type ProviderStatement, type StatementLine } from "./statement-types";

/**
 * Column names say which amount is the record: the exact one is the ledger's nano-USD as a decimal (what sums
 * to the closing balance); the cents one is rounded per row for reading and never sums exactly.
 */
export const STATEMENT_CSV_COLUMNS = [
  "row_type",
  "date",
  "posted_at",
  "kind",
  "description",
  "model",
  "machine",
  "machine_id",
  "reference",
  "payout_id",
  "stripe_transfer_id",
  "stripe_reversal_id",
  "requests",
  "amount_usd_exact (authoritative)",
  "amount_usd_rounded_cents (display only)",
] as const;

type Row = Record<(typeof STATEMENT_CSV_COLUMNS)[number], string>;

function emptyRow(row_type: string): Row {
  return Object.fromEntries(STATEMENT_CSV_COLUMNS.map((c) => [c, c === "row_type" ? row_type : ""])) as Row;
}

function lineRow(line: StatementLine): Row {
  return {
    ...emptyRow("line"),
    date: utcDayKey(line.day),
    posted_at: line.kind === "earnings" ? "" : line.at.toISOString(),
    kind: line.kind,
    description: line.description,
    model: spreadsheetSafe(line.model_id),
    machine: spreadsheetSafe(line.machine_label),
    machine_id: line.machine_id ?? "",
    reference: line.reference ?? "",
    payout_id: line.payout_id ?? "",
    stripe_transfer_id: line.stripe_transfer_id ?? "",
    stripe_reversal_id: line.stripe_reversal_id ?? "",
    requests: line.kind === "earnings" ? String(line.requests) : "",
    "amount_usd_exact (authoritative)": exactUsd(line.amount_nanos),
    "amount_usd_rounded_cents (display only)": roundedCentsUsd(line.amount_nanos),
  };
}

function amountRow(row_type: string, kind: string, description: string, date: Date, posted_at: Date | null, amount_nanos: bigint): Row {
  return {
    ...emptyRow(row_type),
    date: utcDayKey(date),
    posted_at: posted_at ? posted_at.toISOString() : "",
    kind,
    description,
    "amount_usd_exact (authoritative)": exactUsd(amount_nanos),
    "amount_usd_rounded_cents (display only)": roundedCentsUsd(amount_nanos),
  };
}

/**
 * The statement as CSV: a header row, the opening balance, the lines (the statement's own order), a total per
 * line kind (every kind, in STATEMENT_LINE_KINDS order), the closing balance, then what reached Stripe. The
 * opening and line rows' exact amounts sum to the closing row's. Nothing here reads a clock or a locale, so the
 * same statement always renders to the same bytes.
 */
export function statementToCsv(statement: ProviderStatement): string {
  const lastDay = new Date(statement.end.getTime() - 1);
  const rows: Row[] = [
    amountRow("opening", "", `Opening balance on ${statement.start.toISOString()}`, statement.start, statement.start, statement.opening_balance_nanos),
    ...statement.lines.map(lineRow),
    ...STATEMENT_LINE_KINDS.map((kind) => amountRow("total", kind, `Total ${kind.replaceAll("_", " ")} in ${statement.month}`, lastDay, null, statement.totals[kind])),
    amountRow("closing", "", `Closing balance on ${statement.end.toISOString()}`, lastDay, statement.end, statement.closing_balance_nanos),
    amountRow("transferred", "", `Sent to your Stripe balance in ${statement.month} (transfers less reversals); not a balance line`, lastDay, null, statement.transferred_nanos),
  ];
  return stringify(rows, { header: true, columns: [...STATEMENT_CSV_COLUMNS], record_delimiter: "unix", eof: true });
}
