import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { cursorRows } from "../snapshot-cursor";
import { defineExport } from "../export-definition";
import { statementColumns, statementQuery, type StatementAccount } from "./ledger-statement";
import type { TextRow } from "./text-row-columns";

/**
 * A provider's two accounts (server/billing/payouts/README.md "Journal entries"): provider_earnings (what the
 * platform owes it and has not sent: the ledger balance, before the hold splits it into on hold and payable)
 * and provider_in_transit (claimed by a payout, not yet transferred). Columns are prefixed with the account so
 * neither reads as the payouts page's "payable" (balance less what is on hold).
 */
const ACCOUNTS: readonly StatementAccount[] = [
  { account: "provider_earnings", prefix: "provider_earnings_", kinds: ["request_settlement", "clawback", "clawback_release", "payout", "payout_failure", "payout_reversal"] },
  { account: "provider_in_transit", prefix: "provider_in_transit_", kinds: ["payout", "payout_transfer", "payout_failure"] },
];

/**
 * Each provider organization's month: per account, opening + Σ movements = closing per row, and Σ closing over
 * the rows = the ledger's balance of that account at the month's end. The per-provider detailed statement
 * (earnings per day, model and machine) is server/billing/payouts/statement.ts.
 */
export const providerStatementsExport = defineExport<TextRow>({
  spec: EXPORT_SPECS["provider-statements"],
  columns: statementColumns(ACCOUNTS),
  rows: (tx, filter) => cursorRows<TextRow>(tx, statementQuery(ACCOUNTS, filter)),
});
