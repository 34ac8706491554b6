import type { Tx } from "../../../db/client";
import type { Period } from "../period";
import type { ExportSpec } from "../../../lib/export-catalog";
import type { CsvColumn } from "./stream-csv";

/**
 * What an export is filtered by. `organizationId` null = every organization (platform finance only); the
 * download handler forces it to the caller's own organization for organization-scoped callers.
 */
export type ExportFilter = {
  period: Period;
  organizationId: string | null;
  /** Usage only: one API key (key_…) of the organization. */
  apiKeyId: string | null;
  /** Usage only: one model id. */
  modelId: string | null;
};

/**
 * One export: its columns and its rows, read in a stable total order (so an export of a closed period is
 * byte-identical every time) inside the caller's snapshot transaction, through `cursorRows` (flat memory).
 */
export type ExportDefinition<Row = Record<string, unknown>> = {
  spec: ExportSpec;
  columns: readonly CsvColumn<Row>[];
  rows(tx: Tx, filter: ExportFilter): AsyncIterable<Row>;
};

/**
 * Erases the row type so definitions with different rows sit in one table (EXPORTS). Sound because a
 * definition's rows only ever go to its own columns (run-export.ts).
 */
export function defineExport<Row>(def: ExportDefinition<Row>): ExportDefinition<unknown> {
  return def as unknown as ExportDefinition<unknown>;
}
