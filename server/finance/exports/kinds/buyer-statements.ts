import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { cursorRows } from "../snapshot-cursor";
import { defineExport } from "../export-definition";
import { statementColumns, statementQuery, type StatementAccount } from "./ledger-statement";
import type { TextRow } from "./text-row-columns";

/**
 * Every kind that moves buyer_balance (server/billing: top-ups, invoice payments, local test credit, usage
 * (negative), refunds and disputes and their reversals, clawbacks of providers' on-hold earnings, which give the
 * buyer back what its refund or dispute had overdrawn, and their release). Anything else lands in `other`.
 */
export const BUYER_STATEMENT_KINDS = [
  "top_up",
  "invoice_payment",
  "test_credit_grant",
  "request_settlement",
  "refund",
  "refund_reversal",
  "dispute_withdrawal",
  "dispute_reinstatement",
  "clawback",
  "clawback_release",
] as const;

const ACCOUNTS: readonly StatementAccount[] = [{ account: "buyer_balance", prefix: "", kinds: BUYER_STATEMENT_KINDS }];

/**
 * Each organization's buyer credit for one month: opening + Σ movements = closing per row, and Σ closing over
 * the rows = the ledger's buyer_balance at the month's end (for the organization filter, when set).
 */
export const buyerStatementsExport = defineExport<TextRow>({
  spec: EXPORT_SPECS["buyer-statements"],
  columns: statementColumns(ACCOUNTS),
  rows: (tx, filter) => cursorRows<TextRow>(tx, statementQuery(ACCOUNTS, filter)),
});
