import { asc, eq } from "drizzle-orm";
import { machines, offers } from "../../db/schema";
import type { ServiceContext } from "../context";
import { offerGateReasons, type OfferGateReason } from "./liveness";

export type ProviderOffer = {
  id: string;
  model_id: string;
  hardware_class: string;
  slots: number;
  active_slots: number;
  ask_nanos_per_second: bigint;
  engine: string;
  engine_version: string;
  context_size: number;
  claimed_decode_tokens_per_second: number;
  status: string;
  /** Why this offer gets no traffic right now; empty means it can serve. */
  gate_reasons: OfferGateReason[];
};

export type ProviderMachine = {
  id: string;
  name: string;
  hardware_class: string;
  agent_version: string;
  status: string;
  last_heartbeat_at: Date;
  registered_at: Date;
  offers: ProviderOffer[];
};

/** A provider organization's machines with their offers and gate reasons, as of `ctx.now()`. Secrets stay out. */
export async function listProviderMachines(ctx: ServiceContext, input: { organizationId: string }): Promise<ProviderMachine[]> {
  const now = ctx.now();
  const machineRows = await ctx.db
    .select({ id: machines.id, name: machines.name, hardwareClass: machines.hardwareClass, agentVersion: machines.agentVersion, status: machines.status, lastHeartbeatAt: machines.lastHeartbeatAt, registeredAt: machines.registeredAt })
    .from(machines)
    .where(eq(machines.organizationId, input.organizationId))
    .orderBy(asc(machines.name));
  const offerRows = await ctx.db.select().from(offers).where(eq(offers.organizationId, input.organizationId)).orderBy(asc(offers.modelId));
  return machineRows.map((m) => ({
    id: m.id,
    name: m.name,
    hardware_class: m.hardwareClass,
    agent_version: m.agentVersion,
    status: m.status,
    last_heartbeat_at: m.lastHeartbeatAt,
    registered_at: m.registeredAt,
    offers: offerRows
      .filter((o) => o.machineId === m.id)
      .map((o) => ({
        id: o.id,
        model_id: o.modelId,
        hardware_class: o.hardwareClass,
        slots: o.slots,
        active_slots: o.activeSlots,
        ask_nanos_per_second: o.askNanosPerSecond,
        engine: o.engine,
        engine_version: o.engineVersion,
        context_size: o.contextSize,
        claimed_decode_tokens_per_second: o.claimedDecodeTokensPerSecond,
        status: o.status,
        gate_reasons: offerGateReasons({ machineStatus: m.status, lastHeartbeatAt: m.lastHeartbeatAt, offerStatus: o.status, slots: o.slots, activeSlots: o.activeSlots, now }),
      })),
  }));
}
