import type { OfferGateReason } from "@/server/providers/liveness";
import { Badge } from "../ui/badge";
import { gateLabel } from "./gate-label";

/** What each gate means to a provider, and what to do about it. */
const GATE_TEXT: Record<OfferGateReason, string> = {
  machine_offline: "Machine is offline: start the agent.",
  machine_draining: "Machine is draining: it finishes current requests and takes no new ones.",
  heartbeat_stale: "No heartbeat for over 10 s: is the agent running and able to reach the server?",
  offer_withdrawn: "Offer withdrawn by the agent.",
  no_free_slot: "Every slot is busy and its queue is full (full, not broken).",
  unverified: "Waiting for its first canaries to pass (a few seconds after the agent registers).",
  identity_mismatch: "Suspended: its output does not match the model it advertises. Serve the right model file and restart the agent, then 3 canaries in a row must pass.",
  suspended: "Suspended by verification; see the reason and how it recovers below.",
  ask_above_spot: "Only offers asking at most the market's spot price serve: lower the agent's --ask to take traffic.",
};

/** "serving" only when routing would send it traffic: the reasons are the router's own (server/providers/liveness.ts). */
export function GateReasons({ reasons, ask_nanos_per_second, spot_nanos_per_second }: { reasons: OfferGateReason[]; ask_nanos_per_second: bigint; spot_nanos_per_second: bigint | null }) {
  if (reasons.length === 0) {
    return (
      <Badge tone="green" data-testid="gate-reasons" data-gate-reasons="">
        serving
      </Badge>
    );
  }
  return (
    <ul className="space-y-1" data-testid="gate-reasons" data-gate-reasons={reasons.join(",")}>
      {reasons.map((reason) => (
        <li key={reason} className="flex flex-wrap items-center gap-2">
          <Badge tone={reason === "no_free_slot" || reason === "ask_above_spot" ? "amber" : "red"} data-gate-reason={reason}>
            {gateLabel(reason, ask_nanos_per_second, spot_nanos_per_second)}
          </Badge>
          <span className="text-xs text-slate-600">{GATE_TEXT[reason]}</span>
        </li>
      ))}
    </ul>
  );
}
