/**
 * `npm run simulate [-- --seed N --out FILE]`: runs the seeded market story (calm → demand surge →
 * providers leave → recovery → newcomers) through the real clearing engine, writes an SVG chart of
 * price, supply and demand to docs/market-simulation.svg and prints a summary.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatUsd } from "../lib/money";
import { defaultScenario, simulateMarket } from "../server/market/simulation";
import { renderChart } from "./svg-chart";

const { values } = parseArgs({ options: { seed: { type: "string", default: "7" }, out: { type: "string", default: "docs/market-simulation.svg" } } });
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);

const scenario = defaultScenario(seed);
const report = simulateMarket(scenario, seed);
const { ticks, events } = report;
const usd = (n: bigint | null) => (n === null ? null : Number(n) / 1e9);
const slots = (millislots: number) => millislots / 1000;
const u = scenario.settings.target_utilization_bps / 10_000;

const svg = renderChart({
  title: `Spotlane market simulation (seed ${seed})`,
  subtitle: `${scenario.providers.length} providers, ${scenario.buyers.length} buyers (${scenario.buyers.filter((b) => b.bid_nanos_per_second !== null).length} with standing bids); target utilization ${u * 100}%, depth ${scenario.settings.depth_share_bps / 100}% of slots, max move ${scenario.settings.max_move_bps / 100}% per 1 s tick`,
  width: 1000,
  x: ticks.map((t) => t.t_s),
  x_label: "time (s)",
  x_format: (s) => `${s}`,
  markers: events.map((e) => ({ x: e.at_s, label: e.label })),
  panels: [
    {
      title: "Price (USD per slot-second)",
      height: 220,
      format: (v) => `$${v.toPrecision(3)}`,
      series: [
        { label: "spot", color: "#0f172a", values: ticks.map((t) => usd(t.spot_nanos_per_second)), width: 2.5 },
        { label: "lowest live ask", color: "#059669", values: ticks.map((t) => usd(t.lowest_ask_nanos_per_second)), dashed: true, width: 1.5 },
        { label: `reference (${scenario.settings.depth_share_bps / 100}% of slots at or below)`, color: "#2563eb", values: ticks.map((t) => usd(t.result.reference_nanos_per_second)), dashed: true, width: 1 },
        { label: "target (before move bound)", color: "#94a3b8", values: ticks.map((t) => usd(t.result.target_nanos_per_second)), width: 1 },
      ],
    },
    {
      title: "Supply and demand (slots)",
      height: 220,
      min_zero: true,
      format: (v) => `${v}`,
      series: [
        { label: "all live slots", color: "#6ee7b7", values: ticks.map((t) => t.result.total_supply_slots), width: 1.5 },
        { label: "slots at spot", color: "#059669", values: ticks.map((t) => t.result.supply_slots) },
        { label: `capacity at ${u * 100}%`, color: "#059669", values: ticks.map((t) => t.result.supply_slots * u), dashed: true, width: 1 },
        { label: "demand at spot (measured)", color: "#d97706", values: ticks.map((t) => slots(t.result.demand_millislots)) },
        { label: "wanted by buyers", color: "#fbbf24", values: ticks.map((t) => t.wanted_slots), width: 1 },
      ],
    },
  ],
});
const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, svg);

const spots = ticks.map((t) => t.spot_nanos_per_second).filter((s): s is bigint => s !== null);
const maxMovePct = ticks.slice(1).reduce((m, t, i) => {
  const a = ticks[i]!.spot_nanos_per_second;
  const b = t.spot_nanos_per_second;
  if (a === null || b === null || a === 0n) return m;
  return Math.max(m, (Math.abs(Number(b - a)) / Number(a)) * 100);
}, 0);
const phase = (label: string, from: number, to: number) => {
  const span = ticks.filter((t) => t.t_s >= from && t.t_s < to);
  const ss = span.map((t) => t.spot_nanos_per_second!).filter((s) => s !== null);
  const mean = ss.reduce((a, b) => a + b, 0n) / BigInt(Math.max(1, ss.length));
  const util = span.reduce((a, t) => a + t.result.utilization, 0) / Math.max(1, span.length);
  const refused = span.reduce((a, t) => a + t.priced_out_buyers, 0) / Math.max(1, span.length);
  return `  ${label.padEnd(28)} mean spot ${formatUsd(mean).padEnd(12)} max ${formatUsd(ss.reduce((a, b) => (b > a ? b : a), 0n)).padEnd(12)} utilization ${(util * 100).toFixed(0).padStart(3)}%   buyers priced out ${refused.toFixed(1)}`;
};
/** Seconds after `from` until the spot is within 2% of where it stands 50–60 s later. */
const reach = (from: number) => {
  const later = ticks.slice(from + 50, from + 60).map((t) => Number(t.spot_nanos_per_second ?? 0n));
  const level = later.reduce((a, b) => a + b, 0) / Math.max(1, later.length);
  for (let t = from; t < from + 60 && t < ticks.length; t++) if (Math.abs(Number(ticks[t]!.spot_nanos_per_second ?? 0n) - level) <= level * 0.02) return t - from;
  return null;
};
console.log(`Market simulation, seed ${seed}: ${ticks.length} ticks of 1 s through server/market/clear.ts`);
console.log(`Events: ${events.map((e) => `${e.at_s}s ${e.label}`).join("; ")}`);
console.log(phase("calm (0–120 s)", 0, 120));
console.log(phase("surge (120–240 s)", 120, 240));
console.log(phase("surge, providers gone", 240, 300));
console.log(phase("after surge (300–420 s)", 300, 420));
console.log(phase("newcomers (420–600 s)", 420, 600));
console.log(`Spot range ${formatUsd(spots.reduce((a, b) => (b < a ? b : a)))} – ${formatUsd(spots.reduce((a, b) => (b > a ? b : a)))}; largest move ${maxMovePct.toFixed(2)}% in one tick (bound ${scenario.settings.max_move_bps / 100}%)`);
console.log(`Seconds to reach the new level (within 2%): ${events.map((e) => `${e.label} ${reach(e.at_s) ?? "—"} s`).join("; ")}`);
console.log(`Invariants checked every tick (spot ≥ lowest ask, bounded move, no buyer above bid, no provider below ask): ${report.violations.length === 0 ? "all held" : `${report.violations.length} VIOLATIONS\n  ${report.violations.slice(0, 10).join("\n  ")}`}`);
console.log(`Chart: ${values.out}`);
if (report.violations.length > 0) process.exitCode = 1;
