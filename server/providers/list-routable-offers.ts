import { and, eq, ne, or, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { machines, offers } from "../../db/schema";

export type RoutableOffer = {
  offerId: string;
  machineId: string;
  providerOrganizationId: string;
  modelId: string;
  hardwareClass: string;
  endpointUrl: string;
  machineSecret: string;
  machineStatus: string;
  lastHeartbeatAt: Date;
  offerStatus: string;
  slots: number;
  activeSlots: number;
  ask_nanos_per_second: bigint;
  claimed_decode_tokens_per_second: number;
  claimed_prefill_tokens_per_second: number;
  claimed_ttft_ms: number;
};

/**
 * Every offer of the model — the exact id, or any quantization of it when the id has none
 * (`llama-3.1-8b-instruct` matches `llama-3.1-8b-instruct:q4_k_m`). Offline machines are included
 * so the router can name why they are out; an empty result means nobody has ever offered the model.
 */
export async function listOffersForModel(q: Queryable, modelId: string): Promise<RoutableOffer[]> {
  return q
    .select({
      offerId: offers.id,
      machineId: machines.id,
      providerOrganizationId: machines.organizationId,
      modelId: offers.modelId,
      hardwareClass: offers.hardwareClass,
      endpointUrl: machines.endpointUrl,
      machineSecret: machines.secret,
      machineStatus: machines.status,
      lastHeartbeatAt: machines.lastHeartbeatAt,
      offerStatus: offers.status,
      slots: offers.slots,
      activeSlots: offers.activeSlots,
      ask_nanos_per_second: offers.askNanosPerSecond,
      claimed_decode_tokens_per_second: offers.claimedDecodeTokensPerSecond,
      claimed_prefill_tokens_per_second: offers.claimedPrefillTokensPerSecond,
      claimed_ttft_ms: offers.claimedTtftMs,
    })
    .from(offers)
    .innerJoin(machines, eq(offers.machineId, machines.id))
    .where(or(eq(offers.modelId, modelId), sql`starts_with(${offers.modelId}, ${modelId + ":"})`));
}

/** Models with at least one offer on a machine that is not offline, for /v1/models. */
export async function listOfferedModels(q: Queryable) {
  return q
    .select({ modelId: offers.modelId, hardwareClass: offers.hardwareClass, ask_nanos_per_second: offers.askNanosPerSecond, slots: offers.slots, activeSlots: offers.activeSlots, lastHeartbeatAt: machines.lastHeartbeatAt, machineStatus: machines.status, offerStatus: offers.status, createdAt: offers.createdAt })
    .from(offers)
    .innerJoin(machines, eq(offers.machineId, machines.id))
    .where(and(ne(machines.status, "offline"), eq(offers.status, "live")));
}
