import type { Period } from "../period";

/** A closed month as pages show it. */
export type ClosedPeriodView = {
  month: string;
  period: Period;
  closed_at: Date;
  closed_by_email: string | null;
  journal_entry_count: number;
  ledger_line_count: number;
};

export type PeriodsOverview = {
  /** Newest first. */
  closed: ClosedPeriodView[];
  /** The one month that may be closed next (closes are contiguous), or null when nothing is posted yet. */
  next_closeable: { month: string; period: Period; closeable: boolean; reason: string | null } | null;
  /** Journal entries posted into the open period for events inside a closed one (occurred_at set). */
  late_entries_in_open_period: number;
};
