// `spotlane-agent status` output: one block per machine, one per offer, with the claims, what
// the marketplace verified, and every reason the offer is kept out of routing, explained.
import { formatUsd } from "../../../lib/money";
import type { MachineStatusOffer, MachineStatusResponse } from "../../../lib/wire/agent";
import { explainGate } from "./gate-reasons";

type Figures = MachineStatusOffer["claimed"];

const num = (n: number | null | undefined, digits = 0) => (n == null ? "?" : n.toLocaleString("en-US", { maximumFractionDigits: digits }));

function figures(f: Figures): string {
  if (!f) return "—";
  return `decode ${num(f.decode_tokens_per_second, 1)} tok/s · prefill ${num(f.prefill_tokens_per_second)} tok/s · TTFT ${num(f.ttft_ms)} ms`;
}

export function ago(then: string | null | undefined, now_ms: number): string {
  if (!then) return "never";
  const t = Date.parse(then);
  if (!Number.isFinite(t)) return then;
  const s = Math.max(0, Math.round((now_ms - t) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** The gate's name; the spot gate carries both prices, so the fix is obvious. */
function gateHeadline(reason: string, o: MachineStatusOffer): string {
  if (reason === "ask_above_spot" && o.ask_nanos_per_second != null && o.spot_nanos_per_second != null) {
    return `ask above spot: your ask ${formatUsd(BigInt(o.ask_nanos_per_second))}, spot ${formatUsd(BigInt(o.spot_nanos_per_second))}`;
  }
  return reason;
}

function offerLines(o: MachineStatusOffer): string[] {
  const lines = [`  offer ${o.offer_id}  ${o.model_id}${o.hardware_class ? ` on ${o.hardware_class}` : ""}`];
  const row = (label: string, value: string) => lines.push(`    ${label.padEnd(12)}${value}`);
  if (o.ask_nanos_per_second != null) row("ask", `${formatUsd(BigInt(o.ask_nanos_per_second))} per slot-second`);
  if (o.spot_nanos_per_second != null) row("spot", `${formatUsd(BigInt(o.spot_nanos_per_second))} per slot-second (the market's price routing compares asks with)`);
  if (o.slots != null) row("slots", `${o.active_slots ?? "?"} of ${o.slots} busy`);
  if (o.claimed !== undefined) row("claimed", figures(o.claimed));
  if (o.verified !== undefined) row("verified", o.verified ? figures(o.verified) : "not yet (the marketplace measures with canary requests)");
  if (o.reliability_score !== undefined) row("reliability", o.reliability_score == null ? "no history yet" : num(o.reliability_score, 3));
  if (o.gate_reasons.length === 0) row("routable", "yes: taking traffic");
  else {
    row("routable", "NO:");
    for (const r of o.gate_reasons) lines.push(`      - ${gateHeadline(r, o)}: ${explainGate(r)}`);
  }
  return lines;
}

export function formatStatus(status: MachineStatusResponse, now_ms: number): string {
  if (status.machines.length === 0) return "The marketplace knows no such machine for this token's provider (has the agent registered yet?).";
  const blocks = status.machines.map((m) => {
    const lines = [`machine ${m.name} (${m.machine_id}) · ${m.status} · last heartbeat ${ago(m.last_heartbeat_at, now_ms)}`];
    if (m.offers.length === 0) lines.push("  no offers");
    for (const o of m.offers) lines.push(...offerLines(o));
    return lines.join("\n");
  });
  return blocks.join("\n\n");
}
