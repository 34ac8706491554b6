import type { LedgerAccount } from "../../../db/schema";
import type { Period } from "../period";

export const ROLL_FORWARD_SECTIONS = ["buyer_credit", "provider_payables", "platform_revenue", "platform_expense", "stripe_clearing", "test_credit"] as const;
export type RollForwardSectionKey = (typeof ROLL_FORWARD_SECTIONS)[number];

/** One movement line of a section: the period's journal entries of one kind, summed over the section's accounts. */
export type RollForwardMovement = { kind: string; label: string; amount_nanos: bigint; entries: number };

/** opening + Σ movements = closing, for one group of ledger accounts (signs: the ledger's, DESIGN §6). */
export type RollForwardSection = {
  key: RollForwardSectionKey;
  label: string;
  accounts: LedgerAccount[];
  opening_nanos: bigint;
  movements: RollForwardMovement[];
  closing_nanos: bigint;
  /** Where the opening came from: the previous closed period's frozen closing, or the ledger summed up to the start. */
  opening_source: "frozen" | "ledger";
};

export type RollForward = {
  period: Period;
  sections: RollForwardSection[];
  /** Σ of every section's closing (the whole ledger) is zero, and each section's opening + movements = closing. */
  balanced: boolean;
  /** The period is inside a closed one (its figures can no longer change). */
  closed: boolean;
  /** Entries in this period that belong to an earlier, closed period (posted late, occurred_at set). */
  late_entries: number;
};
