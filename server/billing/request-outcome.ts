import { eq } from "drizzle-orm";
import { reservations } from "../../db/schema";
import type { ServiceContext } from "../context";
import { priceBilled } from "./meter";

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
  /** Dispatch → last byte as the gateway measured it (what the router and demand curves see). */
  compute_ms: number;
  /** Slot time the agent reported serving; null when it did not say. */
  served_ms: number | null;
  /** The most this request could bill at the offer's verified rates plus the tolerance (server/billing/meter.ts). */
  quote_ms: number | null;
  /** What is billed (server/billing/meter.ts): cost = price × billed_ms / 1000. */
  billed_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  dispatchedAt: Date;
  completedAt: Date;
  /** How admission held funds: a per-request reservation row, or this instance's credit lease. */
  hold: "reservation" | "lease";
};

/** The outcome's cost as metered: price × billed_ms (the gateway computed billed_ms with `meter`). */
export function priceOutcome(outcome: Pick<RequestOutcome, "status" | "price_nanos_per_second" | "compute_ms" | "billed_ms">, fee_bps: number) {
  // Log segments written before billed_ms existed billed the measured time.
  const billed_ms = outcome.status === "failed" ? 0 : ((outcome.billed_ms as number | undefined) ?? outcome.compute_ms);
  return { billed_ms, ...priceBilled(outcome.status, outcome.price_nanos_per_second, billed_ms, fee_bps) };
}

/** Releases a hold for a request that never reached a provider. */
export async function releaseReservation(ctx: ServiceContext, requestId: string): Promise<void> {
  await ctx.db.delete(reservations).where(eq(reservations.requestId, requestId));
}
