// What each gate reason means to a provider and what to do about it. Names come from the
// marketplace (server/providers/liveness.ts: the router's own gates); an unknown name is shown as is.

export const GATE_REASON_TEXT: Record<string, string> = {
  machine_offline: "the machine is offline: start the agent",
  machine_draining: "the agent is draining: it finishes current requests and takes no new ones",
  heartbeat_stale: "no heartbeat for over 10 s: is the agent running, and can it reach the marketplace?",
  offer_withdrawn: "the offer was withdrawn by the agent (it re-registers on restart)",
  no_free_slot: "every slot is busy and its queue is full (full, not broken)",
  unverified: "waiting for its first canary requests to pass (seconds after registering)",
  identity_mismatch: "suspended: its output does not match the model it advertises; serve the right model file and restart",
  suspended: "suspended by verification (too slow for its claim, or failing canaries); fix the cause and restart",
  ask_above_spot: "its ask is above the market's spot price: lower --ask to take traffic",
};

export function explainGate(reason: string): string {
  return GATE_REASON_TEXT[reason] ?? "see the Provider page of the dashboard";
}
