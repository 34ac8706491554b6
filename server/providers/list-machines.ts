import { and, asc, eq, type SQL } from "drizzle-orm";
import { machines, offers } from "../../db/schema";
import type { ServiceContext } from "../context";
import { offerGateReasons, type OfferGateReason } from "./liveness";
import { readRoutingSpots } from "./read-routing-spots";
import { DEFAULT_VERIFICATION_CONFIG } from "./verification/config";
import { recentCanaries, type CanarySummary } from "./verification/recent-canaries";
import { verificationExplanation, type SuspensionReason, type VerificationStatus } from "./verification/rules";

/** Canaries shown per offer in the machine list (the offer's history view shows more). */
export const RECENT_CANARIES_PER_OFFER = 5;

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
  /** The agent's claim (corrected down to the measured figure when it was far above it). */
  claimed_decode_tokens_per_second: number;
  claimed_prefill_tokens_per_second: number;
  claimed_ttft_ms: number;
  /** The agent's original decode claim, when the marketplace corrected it. */
  claimed_decode_corrected_from: number | null;
  /** How registration judged the claim against memory bandwidth ÷ model size. */
  claim_check: string;
  decode_ceiling_tokens_per_second: number | null;
  status: string;
  verification_status: VerificationStatus;
  suspended_reason: SuspensionReason | null;
  suspended_at: Date | null;
  /** Why the offer is in its verification state and what brings it back. */
  verification_explanation: string;
  verified_decode_tokens_per_second: number | null;
  verified_prefill_tokens_per_second: number | null;
  verified_ttft_ms: number | null;
  verified_observations: number;
  verified_at: Date | null;
  reliability_score: number | null;
  next_canary_at: Date | null;
  recent_canaries: CanarySummary[];
  /** Why this offer gets no traffic right now, exactly as the router judges it; empty means it can serve. */
  gate_reasons: OfferGateReason[];
  /** The spot routing compares the ask with (readRoutingSpots); null when the market has no price at all. */
  spot_nanos_per_second: bigint | null;
};

export type ProviderMachine = {
  id: string;
  name: string;
  hardware_class: string;
  agent_version: string;
  status: string;
  last_heartbeat_at: Date;
  registered_at: Date;
  /** Recency-weighted share of time with fresh heartbeats (verification/uptime.ts); null before any gap was observed. */
  heartbeat_uptime: number | null;
  offers: ProviderOffer[];
};

/**
 * A provider organization's machines with their offers, gate reasons and verification state, as of
 * `ctx.now()` ("why no traffic"). Optionally one machine by id or name. Secrets stay out.
 */
export async function listProviderMachines(ctx: ServiceContext, input: { organizationId: string; machineId?: string; name?: string }): Promise<ProviderMachine[]> {
  const now = ctx.now();
  const filters: SQL[] = [eq(machines.organizationId, input.organizationId)];
  if (input.machineId !== undefined) filters.push(eq(machines.id, input.machineId));
  if (input.name !== undefined) filters.push(eq(machines.name, input.name));
  const machineRows = await ctx.db
    .select({
      id: machines.id,
      name: machines.name,
      hardwareClass: machines.hardwareClass,
      agentVersion: machines.agentVersion,
      status: machines.status,
      lastHeartbeatAt: machines.lastHeartbeatAt,
      registeredAt: machines.registeredAt,
      heartbeatUpMs: machines.heartbeatUpMs,
      heartbeatObservedMs: machines.heartbeatObservedMs,
    })
    .from(machines)
    .where(and(...filters))
    .orderBy(asc(machines.name));
  if (machineRows.length === 0) return [];
  const offerRows = await ctx.db.select().from(offers).where(eq(offers.organizationId, input.organizationId)).orderBy(asc(offers.modelId));
  const machineIds = new Set(machineRows.map((m) => m.id));
  const mine = offerRows.filter((o) => machineIds.has(o.machineId));
  const [canaries, spot] = await Promise.all([
    recentCanaries(ctx.db, mine.map((o) => o.id), RECENT_CANARIES_PER_OFFER),
    readRoutingSpots(ctx, { modelIds: mine.map((o) => o.modelId), now }),
  ]);
  return machineRows.map((m) => ({
    id: m.id,
    name: m.name,
    hardware_class: m.hardwareClass,
    agent_version: m.agentVersion,
    status: m.status,
    last_heartbeat_at: m.lastHeartbeatAt,
    registered_at: m.registeredAt,
    heartbeat_uptime: m.heartbeatObservedMs > 0 ? m.heartbeatUpMs / m.heartbeatObservedMs : null,
    offers: mine
      .filter((o) => o.machineId === m.id)
      .map((o) => {
        const status = o.verificationStatus as VerificationStatus;
        const reason = o.suspendedReason as SuspensionReason | null;
        const spot_nanos_per_second = spot(o.modelId, o.hardwareClass);
        return {
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
          claimed_prefill_tokens_per_second: o.claimedPrefillTokensPerSecond,
          claimed_ttft_ms: o.claimedTtftMs,
          claimed_decode_corrected_from: o.claimedDecodeCorrectedFrom,
          claim_check: o.claimCheck,
          decode_ceiling_tokens_per_second: o.decodeCeilingTokensPerSecond,
          status: o.status,
          verification_status: status,
          suspended_reason: reason,
          suspended_at: o.suspendedAt,
          verification_explanation: verificationExplanation(status, reason, DEFAULT_VERIFICATION_CONFIG),
          verified_decode_tokens_per_second: o.verifiedDecodeTokensPerSecond,
          verified_prefill_tokens_per_second: o.verifiedPrefillTokensPerSecond,
          verified_ttft_ms: o.verifiedTtftMs,
          verified_observations: o.verifiedObservations,
          verified_at: o.verifiedAt,
          reliability_score: o.reliabilityScore,
          next_canary_at: o.nextCanaryAt,
          recent_canaries: canaries.get(o.id) ?? [],
          // The router's gates with the router's spot; occupancy from the heartbeat's busy slots.
          gate_reasons: offerGateReasons({
            machineStatus: m.status,
            lastHeartbeatAt: m.lastHeartbeatAt,
            offerStatus: o.status,
            verificationStatus: o.verificationStatus,
            suspendedReason: o.suspendedReason,
            now,
            ask_nanos_per_second: o.askNanosPerSecond,
            spot_nanos_per_second,
            occupancy: { slots: o.slots, inflight: o.activeSlots },
          }),
          spot_nanos_per_second,
        };
      }),
  }));
}
