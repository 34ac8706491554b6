import { desc, eq } from "drizzle-orm";
import { apiKeys, machines, requests } from "../../db/schema";
import type { ServiceContext } from "../context";

export const RECENT_REQUESTS_LIMIT = 50;

export type RecentRequest = {
  id: string;
  model_id: string;
  hardware_class: string;
  machine_id: string;
  /** Null when the machine has since been removed. */
  machine_name: string | null;
  api_key_name: string | null;
  endpoint: string;
  stream: boolean;
  status: string;
  error_code: string | null;
  /** Dispatch → last byte, as the gateway measured it. */
  compute_ms: number;
  /** What was billed: the served slot time, capped by the measured time, the quote and the hold. */
  billed_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  price_nanos_per_second: bigint;
  cost_nanos: bigint;
  dispatched_at: Date;
  completed_at: Date;
};

/** The organization's last requests as a buyer, newest first: what ran where and what it cost. */
export async function recentRequests(ctx: ServiceContext, input: { organizationId: string; limit?: number }): Promise<RecentRequest[]> {
  return ctx.db
    .select({
      id: requests.id,
      model_id: requests.modelId,
      hardware_class: requests.hardwareClass,
      machine_id: requests.machineId,
      machine_name: machines.name,
      api_key_name: apiKeys.name,
      endpoint: requests.endpoint,
      stream: requests.stream,
      status: requests.status,
      error_code: requests.errorCode,
      compute_ms: requests.computeMs,
      billed_ms: requests.billedMs,
      ttft_ms: requests.ttftMs,
      prompt_tokens: requests.promptTokens,
      completion_tokens: requests.completionTokens,
      price_nanos_per_second: requests.priceNanosPerSecond,
      cost_nanos: requests.costNanos,
      dispatched_at: requests.dispatchedAt,
      completed_at: requests.completedAt,
    })
    .from(requests)
    .leftJoin(machines, eq(machines.id, requests.machineId))
    .leftJoin(apiKeys, eq(apiKeys.id, requests.apiKeyId))
    .where(eq(requests.organizationId, input.organizationId))
    .orderBy(desc(requests.dispatchedAt), desc(requests.id))
    .limit(Math.min(input.limit ?? RECENT_REQUESTS_LIMIT, RECENT_REQUESTS_LIMIT));
}
