import { eq } from "drizzle-orm";
import { requestCostNanos, splitPlatformFee } from "../../lib/money";
import { reservations } from "../../db/schema";
import type { ServiceContext } from "../context";

export type RequestOutcome = {
  requestId: string;
  organizationId: string;
  apiKeyId: string;
  offerId: string;
  machineId: string;
  providerOrganizationId: string;
  modelId: string;
  hardwareClass: string;
  endpoint: string;
  stream: boolean;
  /**
   * completed: billed in full. aborted: the buyer went away; billed for the time held.
   * failed: the provider failed; not billed (the provider is not paid for a broken answer).
   */
  status: "completed" | "aborted" | "failed";
  errorCode: string | null;
  price_nanos_per_second: bigint;
  /** The request's effective bid; null = it pays whatever spot is. Demand curves read it. */
  bid_nanos_per_second: bigint | null;
  compute_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  dispatchedAt: Date;
  completedAt: Date;
  /** How admission held funds: a per-request reservation row, or this instance's credit lease. */
  hold: "reservation" | "lease";
};

export function priceOutcome(outcome: Pick<RequestOutcome, "status" | "price_nanos_per_second" | "compute_ms">, fee_bps: number) {
  const cost_nanos = outcome.status === "failed" ? 0n : requestCostNanos(outcome.price_nanos_per_second, outcome.compute_ms);
  return { cost_nanos, ...splitPlatformFee(cost_nanos, fee_bps) };
}

/** Releases a hold for a request that never reached a provider. */
export async function releaseReservation(ctx: ServiceContext, requestId: string): Promise<void> {
  await ctx.db.delete(reservations).where(eq(reservations.requestId, requestId));
}
