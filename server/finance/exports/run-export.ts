import type { Writable } from "node:stream";
import type { Db } from "../../../db/client";
import type { ExportKind } from "../../../lib/export-catalog";
import type { ExportFilter } from "./export-definition";
import { EXPORTS } from "./kinds";
import { inSnapshot } from "./snapshot-cursor";
import { streamCsv } from "./stream-csv";

/** Streams one export as CSV to `out` from one database snapshot; resolves with the rows written. */
export function runExport(db: Db, kind: ExportKind, filter: ExportFilter, out: Writable): Promise<{ rows: number }> {
  const def = EXPORTS[kind];
  return inSnapshot(db, (tx) => streamCsv(out, def.columns, def.rows(tx, filter)));
}
