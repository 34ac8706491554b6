import type { LedgerAccount } from "../../../db/schema";
import type { RollForwardSectionKey } from "./types";

/** Which ledger accounts each roll-forward section sums (every account is in exactly one). */
export const SECTION_ACCOUNTS: Record<RollForwardSectionKey, LedgerAccount[]> = {
  buyer_credit: ["buyer_balance"],
  provider_payables: ["provider_earnings", "provider_in_transit"],
  platform_revenue: ["platform_revenue"],
  platform_expense: ["platform_expense"],
  stripe_clearing: ["stripe_clearing"],
  test_credit: ["test_credit_grants"],
};

export const SECTION_LABELS: Record<RollForwardSectionKey, string> = {
  buyer_credit: "Buyer credit",
  provider_payables: "Provider payables",
  platform_revenue: "Platform revenue (fees)",
  platform_expense: "Platform expense (Stripe fees)",
  stripe_clearing: "Stripe clearing",
  test_credit: "Test credit",
};

/**
 * Journal entry kinds (db/schema/ledger.ts, journalEntries.kind) in the order a roll-forward lists them: money in,
 * usage, money back to buyers, then providers' side and Stripe's fees. Kinds not listed follow, by name.
 */
export const KIND_LABELS: ReadonlyArray<readonly [kind: string, label: string]> = [
  ["test_credit_grant", "Test credit granted"],
  ["top_up", "Top-ups"],
  ["invoice_payment", "Invoice payments"],
  ["request_settlement", "Usage (settled requests)"],
  ["refund", "Refunds"],
  ["refund_reversal", "Refunds reversed"],
  ["dispute_withdrawal", "Disputes: funds withdrawn"],
  ["dispute_reinstatement", "Disputes won: funds reinstated"],
  ["clawback", "Clawbacks from providers' earnings"],
  ["clawback_release", "Clawbacks released"],
  ["payout", "Payouts started"],
  ["payout_transfer", "Payouts transferred to Stripe Connect"],
  ["payout_failure", "Payouts failed (back to earnings)"],
  ["payout_reversal", "Payouts reversed"],
  ["stripe_fee", "Stripe fees"],
];

const LABEL = new Map(KIND_LABELS);
const RANK = new Map(KIND_LABELS.map(([kind], i) => [kind, i]));

/** The human label of a journal entry kind; an unknown kind is shown as itself. */
export function kindLabel(kind: string): string {
  return LABEL.get(kind) ?? kind;
}

/** The fixed kind order, then unknown kinds by name. */
export function compareKinds(a: string, b: string): number {
  const [ra, rb] = [RANK.get(a) ?? KIND_LABELS.length, RANK.get(b) ?? KIND_LABELS.length];
  return ra !== rb ? ra - rb : a < b ? -1 : a > b ? 1 : 0;
}
