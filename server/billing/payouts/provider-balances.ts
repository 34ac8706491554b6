import type { Queryable } from "../../../db/client";
import type { PayoutPolicy } from "./policy";
import type { ProviderPayoutBalances } from "./types";

// PLACEHOLDER (lead): the payouts-core helper implements this.
export async function getProviderPayoutBalances(_q: Queryable, _input: { organizationId: string; now: Date; policy: PayoutPolicy }): Promise<ProviderPayoutBalances> {
  throw new Error("not implemented yet");
}
