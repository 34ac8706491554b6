import { eq } from "drizzle-orm";
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
  /** unverified | verified | suspended: pass with `suspendedReason` to offerGateReasons; only `verified` serves. */
  verificationStatus: string;
  suspendedReason: string | null;
  /** Marketplace-measured medians (verification/statistics.ts); null until observed. Prefer these to the claims. */
  verified_decode_tokens_per_second: number | null;
  verified_prefill_tokens_per_second: number | null;
  /** Marketplace-side TTFT of short prompts (network to the agent included), ms. */
  verified_ttft_ms: number | null;
  /** 0..1 (verification/reliability.ts); null before the first canary. */
  reliability_score: number | null;
  createdAt: Date;
};

/** Every offer with its machine; routing applies the gates (offline machines included so it can name why). */
export async function listAllOffers(q: Queryable): Promise<RoutableOffer[]> {
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
      verificationStatus: offers.verificationStatus,
      suspendedReason: offers.suspendedReason,
      verified_decode_tokens_per_second: offers.verifiedDecodeTokensPerSecond,
      verified_prefill_tokens_per_second: offers.verifiedPrefillTokensPerSecond,
      verified_ttft_ms: offers.verifiedTtftMs,
      reliability_score: offers.reliabilityScore,
      createdAt: offers.createdAt,
    })
    .from(offers)
    .innerJoin(machines, eq(offers.machineId, machines.id));
}
