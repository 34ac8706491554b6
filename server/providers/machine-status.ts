import type { MachineStatusRequest, MachineStatusResponse } from "../../lib/wire/agent";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { listProviderMachines } from "./list-machines";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * `POST /agent/v1/machines/status` (`spotlane-agent status`): what the marketplace thinks of the
 * organization's machines — per offer the gate reasons keeping it out of routing, claimed vs
 * verified figures, reliability and the latest canaries. One machine by id or name, or all of them.
 */
export async function machineStatus(ctx: ServiceContext, input: { organizationId: string; request: MachineStatusRequest }): Promise<MachineStatusResponse> {
  const { machine_id, name } = input.request;
  const list = await listProviderMachines(ctx, { organizationId: input.organizationId, machineId: machine_id, name });
  if (list.length === 0 && (machine_id !== undefined || name !== undefined)) {
    throw new ServiceError("not_found", `No machine ${machine_id ?? `named '${name}'`} is registered to this organization.`);
  }
  return {
    machines: list.map((m) => ({
      machine_id: m.id,
      name: m.name,
      status: m.status,
      last_heartbeat_at: m.last_heartbeat_at.toISOString(),
      hardware_class: m.hardware_class,
      agent_version: m.agent_version,
      heartbeat_uptime: m.heartbeat_uptime,
      offers: m.offers.map((o) => ({
        offer_id: o.id,
        model_id: o.model_id,
        hardware_class: o.hardware_class,
        ask_nanos_per_second: o.ask_nanos_per_second.toString(),
        spot_nanos_per_second: o.spot_nanos_per_second?.toString() ?? null,
        slots: o.slots,
        active_slots: o.active_slots,
        status: o.status,
        gate_reasons: o.gate_reasons,
        claimed: {
          decode_tokens_per_second: o.claimed_decode_tokens_per_second,
          prefill_tokens_per_second: o.claimed_prefill_tokens_per_second,
          ttft_ms: o.claimed_ttft_ms,
          decode_corrected_from: o.claimed_decode_corrected_from,
          check: o.claim_check,
          decode_ceiling_tokens_per_second: o.decode_ceiling_tokens_per_second,
        },
        verified:
          o.verified_observations > 0 || o.verified_decode_tokens_per_second !== null
            ? {
                decode_tokens_per_second: o.verified_decode_tokens_per_second,
                prefill_tokens_per_second: o.verified_prefill_tokens_per_second,
                ttft_ms: o.verified_ttft_ms,
                observations: o.verified_observations,
                at: iso(o.verified_at),
              }
            : null,
        reliability_score: o.reliability_score,
        verification_status: o.verification_status,
        suspended_reason: o.suspended_reason,
        suspended_at: iso(o.suspended_at),
        verification_explanation: o.verification_explanation,
        next_canary_at: iso(o.next_canary_at),
        recent_canaries: o.recent_canaries.map((c) => ({ ...c, at: c.at.toISOString() })),
      })),
    })),
  };
}
