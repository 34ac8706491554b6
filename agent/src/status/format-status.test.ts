import { describe, expect, it } from "vitest";
import { machineStatusResponse } from "../../../lib/wire/agent";
import { ago, formatStatus } from "./format-status";

const NOW = Date.parse("2026-05-01T12:00:00Z");

describe("status output", () => {
  it("a full answer: claims, verified figures, reliability and every gate reason explained", () => {
    const status = machineStatusResponse.parse({
      machines: [
        {
          machine_id: "mach_01",
          name: "gpu-box-1",
          status: "online",
          last_heartbeat_at: "2026-05-01T11:59:57Z",
          offers: [
            {
              offer_id: "off_a",
              model_id: "llama-3.1-8b-instruct:q4_k_m",
              hardware_class: "nvidia-rtx-4090",
              ask_nanos_per_second: "200000",
              spot_nanos_per_second: "150000",
              slots: 4,
              active_slots: 1,
              gate_reasons: ["unverified", "ask_above_spot", "brand_new_gate"],
              claimed: { decode_tokens_per_second: 85.2, prefill_tokens_per_second: 2100, ttft_ms: 120 },
              verified: null,
              reliability_score: null,
            },
            { offer_id: "off_b", model_id: "qwen2.5-7b:q8_0", gate_reasons: [], verified: { decode_tokens_per_second: 61, prefill_tokens_per_second: 1500, ttft_ms: 150, samples: 12 }, reliability_score: 0.987 },
          ],
        },
      ],
    });
    expect(formatStatus(status, NOW)).toBe(
      [
        "machine gpu-box-1 (mach_01) · online · last heartbeat 3 s ago",
        "  offer off_a  llama-3.1-8b-instruct:q4_k_m on nvidia-rtx-4090",
        "    ask         $0.0002 per slot-second",
        "    spot        $0.00015 per slot-second (the market's price routing compares asks with)",
        "    slots       1 of 4 busy",
        "    claimed     decode 85.2 tok/s · prefill 2,100 tok/s · TTFT 120 ms",
        "    verified    not yet (the marketplace measures with canary requests)",
        "    reliability no history yet",
        "    routable    NO:",
        "      - unverified: waiting for its first canary requests to pass (seconds after registering)",
        "      - ask above spot: your ask $0.0002, spot $0.00015: its ask is above the market's spot price: lower --ask to take traffic",
        "      - brand_new_gate: see the Provider page of the dashboard",
        "  offer off_b  qwen2.5-7b:q8_0",
        "    verified    decode 61 tok/s · prefill 1,500 tok/s · TTFT 150 ms",
        "    reliability 0.987",
        "    routable    yes: taking traffic",
      ].join("\n"),
    );
  });

  it("names the gate alone when the marketplace sends no spot (older marketplaces)", () => {
    const old = machineStatusResponse.parse({ machines: [{ machine_id: "m", name: "m", status: "online", offers: [{ offer_id: "o", model_id: "x:f16", ask_nanos_per_second: "5", gate_reasons: ["ask_above_spot"] }] }] });
    expect(formatStatus(old, NOW)).toContain("      - ask_above_spot: its ask is above the market's spot price");
  });

  it("the minimal answer the schema allows still prints, and no machine says so", () => {
    const minimal = machineStatusResponse.parse({ machines: [{ machine_id: "mach_02", name: "m", status: "offline", offers: [{ offer_id: "off_c", model_id: "x:f16", gate_reasons: ["machine_offline"] }] }] });
    expect(formatStatus(minimal, NOW)).toContain("machine m (mach_02) · offline · last heartbeat never");
    expect(formatStatus(minimal, NOW)).toContain("- machine_offline: the machine is offline: start the agent");
    expect(formatStatus({ machines: [] }, NOW)).toMatch(/knows no such machine/);
  });

  it("ages", () => {
    expect(ago("2026-05-01T11:58:00Z", NOW)).toBe("2 min ago");
    expect(ago("2026-05-01T09:00:00Z", NOW)).toBe("3 h ago");
    expect(ago(null, NOW)).toBe("never");
  });
});
