import type { Queryable } from "../../../db/client";
import type { PayoutView } from "./types";

// PLACEHOLDER (lead): the statements helper implements this. Newest first, cursor = payout id of the last row shown.
export async function listPayouts(_q: Queryable, _input: { organizationId: string; limit: number; cursor?: string }): Promise<{ payouts: PayoutView[]; next_cursor: string | null }> {
  throw new Error("not implemented yet");
}
