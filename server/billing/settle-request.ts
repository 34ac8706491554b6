import { eq } from "drizzle-orm";
import { requestCostNanos, splitPlatformFee } from "../../lib/money";
import { requests, reservations } from "../../db/schema";
import type { ServiceContext } from "../context";
import { postJournalEntry } from "./post-journal-entry";

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

/**
 * Records the request, posts its balanced journal entry and releases its hold, in one
 * transaction and exactly once: a repeat for the same request id changes nothing.
 */
export async function settleRequest(ctx: ServiceContext, outcome: RequestOutcome): Promise<{ cost_nanos: bigint; provider_nanos: bigint; fee_nanos: bigint; settled: boolean }> {
  const priced = priceOutcome(outcome, ctx.platform_fee_bps);
  const settled = await ctx.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(requests)
      .values({
        id: outcome.requestId,
        organizationId: outcome.organizationId,
        apiKeyId: outcome.apiKeyId,
        offerId: outcome.offerId,
        machineId: outcome.machineId,
        providerOrganizationId: outcome.providerOrganizationId,
        modelId: outcome.modelId,
        hardwareClass: outcome.hardwareClass,
        endpoint: outcome.endpoint,
        stream: outcome.stream,
        status: outcome.status,
        errorCode: outcome.errorCode,
        priceNanosPerSecond: outcome.price_nanos_per_second,
        bidNanosPerSecond: outcome.bid_nanos_per_second,
        computeMs: outcome.compute_ms,
        ttftMs: outcome.ttft_ms,
        promptTokens: outcome.prompt_tokens,
        completionTokens: outcome.completion_tokens,
        costNanos: priced.cost_nanos,
        providerEarningsNanos: priced.provider_nanos,
        platformFeeNanos: priced.fee_nanos,
        dispatchedAt: outcome.dispatchedAt,
        completedAt: outcome.completedAt,
      })
      .onConflictDoNothing({ target: requests.id })
      .returning({ id: requests.id });
    if (inserted.length === 0) return false;
    await postJournalEntry(tx, {
      kind: "request_settlement",
      idempotencyKey: `settle:${outcome.requestId}`,
      requestId: outcome.requestId,
      at: outcome.completedAt,
      lines: [
        { account: "buyer_balance", organizationId: outcome.organizationId, amount_nanos: -priced.cost_nanos },
        { account: "provider_earnings", organizationId: outcome.providerOrganizationId, amount_nanos: priced.provider_nanos },
        { account: "platform_revenue", organizationId: null, amount_nanos: priced.fee_nanos },
      ],
    });
    await tx.delete(reservations).where(eq(reservations.requestId, outcome.requestId));
    return true;
  });
  return { ...priced, settled };
}

/** Releases a hold for a request that never reached a provider. */
export async function releaseReservation(ctx: ServiceContext, requestId: string): Promise<void> {
  await ctx.db.delete(reservations).where(eq(reservations.requestId, requestId));
}
