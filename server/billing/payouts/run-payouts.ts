import type { PayoutRunTrigger } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import type { JobQueue } from "../../jobs/queue";

// PLACEHOLDER (lead): the payouts-core helper implements this. Creates one payout per eligible provider and enqueues its job.
export async function runPayouts(_ctx: ServiceContext, _jobs: JobQueue, _input: { trigger: PayoutRunTrigger; userId?: string }): Promise<{ runId: string; payouts_created: number; total_nanos: bigint }> {
  throw new Error("not implemented yet");
}
