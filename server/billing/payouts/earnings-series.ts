import type { Queryable } from "../../../db/client";

/** Earnings per UTC day, split by machine or model (what the provider's chart shows). */
export type EarningsSeries = {
  by: "machine" | "model";
  days: string[];
  /** Group key (machine id or model id) → label and nano-USD per day, aligned with `days`. */
  groups: { key: string; label: string; nanos: bigint[] }[];
  total_nanos: bigint;
};

// PLACEHOLDER (lead): the statements helper implements this. [from, to) UTC, at most 92 days.
export async function providerEarningsSeries(_q: Queryable, _input: { organizationId: string; from: Date; to: Date; by: "machine" | "model" }): Promise<EarningsSeries> {
  throw new Error("not implemented yet");
}
