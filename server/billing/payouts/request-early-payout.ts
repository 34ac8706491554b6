import type { ServiceContext } from "../../context";
import type { JobQueue } from "../../jobs/queue";

// PLACEHOLDER (lead): the payouts-core helper implements this. ServiceError rate_limited / conflict / forbidden with clear messages.
export async function requestEarlyPayout(_ctx: ServiceContext, _jobs: JobQueue, _input: { organizationId: string }): Promise<{ payoutId: string; amount_nanos: bigint }> {
  throw new Error("not implemented yet");
}
