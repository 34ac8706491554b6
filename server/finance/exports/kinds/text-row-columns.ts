import { exactUsd, roundedCentsUsd } from "../csv-cells";
import type { CsvColumn } from "../stream-csv";

/**
 * The register and statement exports select every cell as text in SQL (bigints `::text`, instants `isoText`),
 * so a row is a map of column name to text and both databases give identical bytes.
 */
export type TextRow = Record<string, string | null>;

/** Text we chose (ids, statuses, kinds, instants): written as the database gave it. */
export function textColumn(header: string): CsvColumn<TextRow> {
  return { header, cell: (row) => row[header] ?? "" };
}

/**
 * One amount, selected as `<name>_nanos` text: that text itself, its exact USD (what sums to the ledger) and,
 * where `rounded`, its per-row cents for reading. A null amount is empty in every column.
 */
export function amountColumns(name: string, opts: { rounded: boolean }): CsvColumn<TextRow>[] {
  const key = `${name}_nanos`;
  const nanos = (row: TextRow) => row[key] ?? null;
  const columns: CsvColumn<TextRow>[] = [
    { header: key, cell: (row) => nanos(row) ?? "" },
    { header: `${name}_usd_exact`, cell: (row) => (nanos(row) === null ? "" : exactUsd(BigInt(nanos(row)!))) },
  ];
  if (opts.rounded) columns.push({ header: `${name}_usd_rounded`, cell: (row) => (nanos(row) === null ? "" : roundedCentsUsd(BigInt(nanos(row)!))) });
  return columns;
}
