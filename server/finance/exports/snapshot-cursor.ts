import { sql, type SQL } from "drizzle-orm";
import type { Db, Tx } from "../../../db/client";

/** Rows fetched per round trip: enough to amortise the trip, few enough that memory stays flat. */
export const CURSOR_BATCH_ROWS = 2_000;

/**
 * Runs `read` inside one REPEATABLE READ, READ ONLY transaction: every query in it sees the same snapshot, so
 * an export's rows and its totals agree with each other and with the ledger at that instant, even while
 * settlement keeps posting. On PostgreSQL this is one pooled connection for the export's duration; on PGlite
 * (one connection) other database work waits until the export ends (server/finance/README.md).
 */
export function inSnapshot<T>(db: Db, read: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      // An export idles in its transaction while a slow client reads (backpressure). A server-wide
      // idle_in_transaction_session_timeout would kill that session between queries, and node-postgres turns
      // such a kill of a checked-out connection into an unhandled 'error' (a process crash). The download
      // handler bounds a stalled client itself (its socket timeout), so this transaction opts out.
      await tx.execute(sql`set local idle_in_transaction_session_timeout = 0`);
      return read(tx);
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

/**
 * Streams the rows of `query` through a server-side cursor, CURSOR_BATCH_ROWS at a time, so an export of
 * millions of rows never holds more than one batch. Must run inside `inSnapshot` (cursors live in a transaction).
 * Columns arrive as the driver gives them: select text (`::text`, `to_char`) for anything that must be byte-exact
 * on both databases (bigints, timestamps).
 */
export async function* cursorRows<Row extends Record<string, unknown>>(tx: Tx, query: SQL, batch_rows = CURSOR_BATCH_ROWS): AsyncGenerator<Row> {
  const name = sql.raw(`export_cursor_${cursorSeq++}`);
  await tx.execute(sql`declare ${name} no scroll cursor for ${query}`);
  try {
    for (;;) {
      // Both drivers answer `execute` with `{ rows }` (node-postgres' QueryResult, PGlite's Results).
      const result = (await tx.execute(sql`fetch forward ${sql.raw(String(batch_rows))} from ${name}`)) as { rows: Row[] };
      for (const row of result.rows) yield row;
      if (result.rows.length < batch_rows) return;
    }
  } finally {
    await tx.execute(sql`close ${name}`).catch(() => {});
  }
}
let cursorSeq = 0;

/** An instant as the text `isoCell` writes, computed in SQL (identical on PGlite and PostgreSQL): `2026-11-30T23:59:59.999Z`. */
export function isoText(column: SQL | unknown): SQL {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
