import { randomBytes } from "node:crypto";
import { and, eq, notInArray } from "drizzle-orm";
import { newId } from "../../lib/ids";
import type { RegisterMachineRequest, RegisterMachineResponse } from "../../lib/wire/agent";
import { machines, offers } from "../../db/schema";
import type { ServiceContext } from "../context";
import { HEARTBEAT_INTERVAL_MS } from "./liveness";

/**
 * Registers (or re-registers) a machine by its name within the provider's organization and
 * upserts one offer per model. The signing secret is rotated on every registration, so an old
 * agent process can no longer be dispatched to. Offers the agent no longer lists are withdrawn.
 */
export async function registerMachine(ctx: ServiceContext, input: { organizationId: string; agentTokenId: string; request: RegisterMachineRequest }): Promise<RegisterMachineResponse> {
  const { request } = input;
  const now = ctx.now();
  const secret = randomBytes(32).toString("base64url");
  return ctx.db.transaction(async (tx) => {
    const [machine] = await tx
      .insert(machines)
      .values({
        id: newId("machine"),
        organizationId: input.organizationId,
        agentTokenId: input.agentTokenId,
        name: request.name,
        hardwareClass: request.hardware.hardware_class,
        hardware: request.hardware,
        agentVersion: request.agent_version,
        endpointUrl: request.endpoint_url,
        secret,
        status: "online",
        lastHeartbeatAt: now,
        registeredAt: now,
      })
      .onConflictDoUpdate({
        target: [machines.organizationId, machines.name],
        set: {
          agentTokenId: input.agentTokenId,
          hardwareClass: request.hardware.hardware_class,
          hardware: request.hardware,
          agentVersion: request.agent_version,
          endpointUrl: request.endpoint_url,
          secret,
          status: "online",
          lastHeartbeatAt: now,
        },
      })
      .returning({ id: machines.id });
    const machineId = machine!.id;

    const registered: { offer_id: string; model_id: string }[] = [];
    for (const claim of request.offers) {
      const values = {
        slots: claim.slots,
        activeSlots: 0,
        hardwareClass: request.hardware.hardware_class,
        askNanosPerSecond: BigInt(claim.ask_nanos_per_second),
        engine: claim.engine,
        engineVersion: claim.engine_version,
        contextSize: claim.context_size,
        claimedDecodeTokensPerSecond: claim.benchmark.decode_tokens_per_second,
        claimedPrefillTokensPerSecond: claim.benchmark.prefill_tokens_per_second,
        claimedTtftMs: claim.benchmark.ttft_ms,
        status: "live",
        updatedAt: now,
      };
      const [offer] = await tx
        .insert(offers)
        .values({ id: newId("offer"), machineId, organizationId: input.organizationId, modelId: claim.model_id, createdAt: now, ...values })
        .onConflictDoUpdate({ target: [offers.machineId, offers.modelId], set: values })
        .returning({ id: offers.id });
      registered.push({ offer_id: offer!.id, model_id: claim.model_id });
    }
    await tx
      .update(offers)
      .set({ status: "withdrawn", updatedAt: now })
      .where(and(eq(offers.machineId, machineId), notInArray(offers.modelId, request.offers.map((o) => o.model_id))));

    return { machine_id: machineId, machine_secret: secret, heartbeat_interval_ms: HEARTBEAT_INTERVAL_MS, offers: registered };
  });
}
