import { and, eq, ne } from "drizzle-orm";
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
  claimed_ttft_ms: number;
};

/** Every offer of the model on a machine that is not offline; gates are applied by the router. */
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
      claimed_ttft_ms: offers.claimedTtftMs,
    })
    .from(offers)
    .innerJoin(machines, eq(offers.machineId, machines.id))
    .where(and(eq(offers.modelId, modelId), ne(machines.status, "offline")));
}

/** Models with at least one offer on a machine that is not offline, for /v1/models. */
export async function listOfferedModels(q: Queryable) {
  return q
    .select({ modelId: offers.modelId, hardwareClass: offers.hardwareClass, ask_nanos_per_second: offers.askNanosPerSecond, slots: offers.slots, activeSlots: offers.activeSlots, lastHeartbeatAt: machines.lastHeartbeatAt, machineStatus: machines.status, offerStatus: offers.status, createdAt: offers.createdAt })
    .from(offers)
    .innerJoin(machines, eq(offers.machineId, machines.id))
    .where(and(ne(machines.status, "offline"), eq(offers.status, "live")));
}
