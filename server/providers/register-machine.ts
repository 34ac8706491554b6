import { randomBytes } from "node:crypto";
import { and, eq, notInArray, sql } from "drizzle-orm";
import { newId } from "../../lib/ids";
import type { RegisterMachineRequest, RegisterMachineResponse } from "../../lib/wire/agent";
import { machines, offers } from "../../db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { checkEndpointUrl } from "./check-endpoint-url";
import { HEARTBEAT_INTERVAL_MS } from "./liveness";
import { checkDecodeClaim, type PlausibilityVerdict } from "./verification/plausibility";
import { heartbeatUptimeSet } from "./verification/uptime";

/**
 * Registers (or re-registers) a machine by its name within the provider's organization and
 * upserts one offer per model. The signing secret is rotated on every registration, so an old
 * agent process can no longer be dispatched to. Offers the agent no longer lists are withdrawn.
 */
export async function registerMachine(ctx: ServiceContext, input: { organizationId: string; agentTokenId: string; request: RegisterMachineRequest }): Promise<RegisterMachineResponse> {
  const { request } = input;
  const now = ctx.now();
  // Physically impossible claims are refused outright (DESIGN §5); the rest is for canaries to measure.
  const verdicts = request.offers.map((claim, i) => {
    const verdict = plausibilityOf(request, claim);
    if (!verdict.ok) throw new ServiceError("invalid_input", verdict.message, { param: `offers[${i}].benchmark.decode_tokens_per_second`, code: "implausible_claim" });
    return verdict;
  });
  // The marketplace must never be pointed at its own network (SSRF); checked again on every connection.
  await checkEndpointUrl(ctx, request.endpoint_url);
  const secret = randomBytes(32).toString("base64url");
  // With verification off (trust mode), offers are verified as registered; otherwise canaries decide.
  const fresh = ctx.trust_offer_claims ? "verified" : "unverified";
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
          // A crash followed by a restart shows up here as the gap since the last heartbeat.
          ...heartbeatUptimeSet(now),
        },
      })
      .returning({ id: machines.id });
    const machineId = machine!.id;

    const registered: { offer_id: string; model_id: string }[] = [];
    for (const [i, claim] of request.offers.entries()) {
      const verdict = verdicts[i]!;
      const values = {
        slots: claim.slots,
        // The ceiling heartbeats may report (record-heartbeat.ts), and what canaries measure at full concurrency.
        registeredSlots: claim.slots,
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
        modelSizeBytes: claim.model_size_bytes ?? null,
        claimCheck: verdict.check,
        decodeCeilingTokensPerSecond: verdict.ceiling_tokens_per_second,
        // A new benchmark replaces any earlier correction; canaries judge the new claim afresh.
        claimedDecodeCorrectedFrom: null,
        // A registration is a fresh start (new process, maybe a new model file): a burst of canaries
        // now, and buyer traffic only after they pass. A suspension survives it (see verification/README.md).
        lastRegisteredAt: now,
        nextCanaryAt: now,
      };
      const [offer] = await tx
        .insert(offers)
        .values({ id: newId("offer"), machineId, organizationId: input.organizationId, modelId: claim.model_id, createdAt: now, verificationStatus: fresh, ...values })
        .onConflictDoUpdate({
          target: [offers.machineId, offers.modelId],
          set: { ...values, verificationStatus: sql`case when ${offers.verificationStatus} = 'suspended' then 'suspended' else ${fresh} end` },
        })
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

function plausibilityOf(request: RegisterMachineRequest, claim: RegisterMachineRequest["offers"][number]): PlausibilityVerdict {
  // Every field the agent could omit or inflate (size, GPU count, class) is bounded inside checkDecodeClaim.
  return checkDecodeClaim({ hardware: request.hardware, model_id: claim.model_id, model_size_bytes: claim.model_size_bytes, decode_tokens_per_second: claim.benchmark.decode_tokens_per_second });
}
