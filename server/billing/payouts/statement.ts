import type { Queryable } from "../../../db/client";

/** One line of a provider's monthly statement; the lines sum to closing − opening exactly (nano-USD). */
export type StatementLine = {
  /** Start of the UTC day the line's entries were posted. */
  day: Date;
  kind: "earnings" | "clawback" | "clawback_release" | "payout" | "payout_failure" | "payout_reversal";
  description: string;
  /** Model and machine for earnings lines; payout / transfer / reversal ids for the others. */
  model_id: string | null;
  machine_id: string | null;
  reference: string | null;
  requests: number;
  amount_nanos: bigint;
};

export type ProviderStatement = {
  organizationId: string;
  /** "YYYY-MM" (UTC); the period is [start, end). */
  month: string;
  start: Date;
  end: Date;
  opening_balance_nanos: bigint;
  lines: StatementLine[];
  totals: Record<StatementLine["kind"], bigint>;
  closing_balance_nanos: bigint;
  /** Money that reached the provider's Stripe balance in the month (transfers made − reversed). */
  transferred_nanos: bigint;
};

// PLACEHOLDER (lead): the statements helper implements this.
export async function providerStatement(_q: Queryable, _input: { organizationId: string; month: string }): Promise<ProviderStatement> {
  throw new Error("not implemented yet");
}

// PLACEHOLDER (lead): the statements helper implements this (csv-stringify).
export async function providerStatementCsv(_q: Queryable, _input: { organizationId: string; month: string }): Promise<string> {
  throw new Error("not implemented yet");
}
