import { centsToNanos, formatUsd, nanosToCents } from "../../../lib/money";

/**
 * Cells every finance CSV writes the same way. Amounts: the exact one is the ledger's nano-USD as a decimal with
 * all nine places (what sums to the ledger); the cents one is rounded per row for reading and never sums exactly.
 */

/** Exact USD with all nine decimals (no rounding, no "$"): "-12.345678901". */
export function exactUsd(amount_nanos: bigint): string {
  return formatUsd(amount_nanos, 9).replace("$", "");
}

/** The same amount rounded half away from zero to cents, as people read it: "-12.35". */
export function roundedCentsUsd(amount_nanos: bigint): string {
  return formatUsd(centsToNanos(nanosToCents(amount_nanos)), 2).replace("$", "");
}

/**
 * Text someone else chose (model ids, machine and organization names, memos): a leading = + - @ (after any
 * whitespace, or their full-width forms) would run as a
 * formula when the file is opened in a spreadsheet, so such a cell is prefixed with an apostrophe (the usual
 * CSV-injection guard).
 */
export function spreadsheetSafe(text: string | null): string {
  if (text === null) return "";
  // Spreadsheets skip leading whitespace and read the full-width forms (＝＋－＠) as formula starts too.
  return /^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/.test(text) || /^[\t\r]/.test(text) ? `'${text}` : text;
}

/** An instant as ISO 8601 UTC with milliseconds ("2026-11-30T23:59:59.999Z"); empty for null. */
export function isoCell(at: Date | null): string {
  return at ? at.toISOString() : "";
}
