/** A machine is live while its heartbeats are fresh; agents heartbeat every HEARTBEAT_INTERVAL_MS. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
export const HEARTBEAT_STALE_AFTER_MS = 10_000;

export type OfferGateReason =
  | "machine_offline"
  | "machine_draining"
  | "heartbeat_stale"
  | "offer_withdrawn"
  | "no_free_slot"
  /** Not yet passed its canaries since (re-)registration (a few seconds for an honest offer). */
  | "unverified"
  /** Suspended: its greedy output does not match the model it advertises. */
  | "identity_mismatch"
  /** Suspended for another reason (too slow for its claim, failing canaries); see `suspended_reason`. */
  | "suspended";

/**
 * Why an offer cannot take traffic right now; empty means it can. Providers see these names.
 * `verificationStatus` / `suspendedReason` are the offer's `verification_status` / `suspended_reason`
 * columns; callers that omit them get no verification gates (only `verified` offers pass when given).
 */
export function offerGateReasons(input: {
  machineStatus: string;
  lastHeartbeatAt: Date;
  offerStatus: string;
  /** From heartbeats; the gateway omits them and judges occupancy from its own in-flight count instead. */
  slots?: number;
  activeSlots?: number;
  now: Date;
  verificationStatus?: string;
  suspendedReason?: string | null;
}): OfferGateReason[] {
  const reasons: OfferGateReason[] = [];
  if (input.machineStatus === "offline") reasons.push("machine_offline");
  if (input.machineStatus === "draining") reasons.push("machine_draining");
  if (input.now.getTime() - input.lastHeartbeatAt.getTime() > HEARTBEAT_STALE_AFTER_MS) reasons.push("heartbeat_stale");
  if (input.offerStatus !== "live") reasons.push("offer_withdrawn");
  if (input.verificationStatus !== undefined && input.verificationStatus !== "verified") {
    if (input.verificationStatus === "suspended") reasons.push(input.suspendedReason === "identity_mismatch" ? "identity_mismatch" : "suspended");
    else reasons.push("unverified");
  }
  if (input.slots !== undefined && input.activeSlots !== undefined && input.activeSlots >= input.slots) reasons.push("no_free_slot");
  return reasons;
}
