import type { PayoutTrigger } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import type { CreatePayoutOutcome } from "./types";

// PLACEHOLDER (lead): the payouts-core helper implements this. The claim, in one transaction (README "The transfer").
export async function createPayout(_ctx: ServiceContext, _input: { organizationId: string; trigger: PayoutTrigger; runId: string | null }): Promise<CreatePayoutOutcome> {
  throw new Error("not implemented yet");
}
