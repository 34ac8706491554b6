import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";

/** One CSV column: its header and how a row becomes that cell. */
export type CsvColumn<Row> = { header: string; cell: (row: Row) => string };

/**
 * Writes `rows` as RFC 4180 CSV (csv-stringify: header row, `\n` records, quoting only where needed) to `out`,
 * with backpressure end to end: the next row is not read until `out` has room, so memory stays flat however
 * many rows there are and however slowly the client reads. Resolves with the rows written; rejects (and stops
 * reading) if `out` closes early.
 */
export async function streamCsv<Row>(out: Writable, columns: readonly CsvColumn<Row>[], rows: AsyncIterable<Row>, onRow?: (row: Row) => void): Promise<{ rows: number }> {
  let count = 0;
  async function* records() {
    for await (const row of rows) {
      onRow?.(row);
      count++;
      yield columns.map((c) => c.cell(row));
    }
  }
  await pipeline(Readable.from(records()), stringify({ header: true, columns: columns.map((c) => c.header), record_delimiter: "unix" }), out);
  return { rows: count };
}
