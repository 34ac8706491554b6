/**
 * `npm run bench:router`: time per routing decision over 1,000 candidates (target < 50 µs), for each
 * preference. The router is pure (server/router), so this is CPU time only: no I/O, no database.
 * To follow a signature change, adapt `decide` and `makeCandidate` below; nothing else depends on it.
 */
import { cpus } from "node:os";
import { QuietPrices } from "../server/providers/liveness";
import { route } from "../server/router/route";
import type { Candidate, Preferences, Sort } from "../server/router/types";

const CANDIDATES = 1_000;
const TARGET_US = 50;
const WARMUP = 2_000;
const DECISIONS = 20_000;

/** mulberry32: reproducible candidates and tie-breaking, so runs compare. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HARDWARE = ["nvidia-h100", "nvidia-a100", "nvidia-l40s", "nvidia-rtx-4090", "nvidia-rtx-3090", "amd-mi300x", "apple-m3-max", "apple-m2-ultra", "nvidia-a10g", "cpu"];

function makeCandidate(i: number, r: () => number, spot_nanos_per_second: bigint | null): Candidate {
  const slots = 1 + Math.floor(r() * 8);
  return {
    offerId: `off_${i.toString().padStart(5, "0")}`,
    machineId: `mach_${i}`,
    providerOrganizationId: `org_${i % 200}`,
    modelId: "llama-3.1-8b-instruct:q4_k_m",
    hardwareClass: HARDWARE[i % HARDWARE.length]!,
    quantization: "q4_k_m",
    ask_nanos_per_second: BigInt(500 + Math.floor(r() * 4500)),
    spot_nanos_per_second,
    slots,
    inflight: Math.floor(r() * slots * 3),
    decode_tokens_per_second: 20 + r() * 380,
    prefill_tokens_per_second: 500 + r() * 19_500,
    base_ttft_ms: 5 + r() * 50,
    rtt_ms: 1 + r() * 100,
    // A few are gated out (stale heartbeat, unverified), as in a real market.
    gateReasons: r() < 0.05 ? ["heartbeat_stale"] : [],
  };
}

/** Before a tick the gateway prices each market at its quiet price (server/gateway/admit.ts `toCandidates`), outside the timed decision. */
function withQuietSpots(candidates: Candidate[]): Candidate[] {
  const quiet = new QuietPrices();
  for (const c of candidates) if (c.gateReasons.length === 0) quiet.add(c.modelId, c.hardwareClass, c.ask_nanos_per_second, c.slots);
  for (const c of candidates) c.spot_nanos_per_second = quiet.get(c.modelId, c.hardwareClass);
  return candidates;
}

/** One routing decision: the only line to change when the router's signature does. */
function decide(candidates: Candidate[], prefs: Preferences, random: () => number) {
  // The gateway asks for its failover depth (3), as in production.
  return route(candidates, { prompt_tokens: 500, max_tokens: 256 }, prefs, random, 3);
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// Two markets shapes: before any clearing tick (spot = lowest live ask, so few offers per market
// serve) and after one (a cleared spot above most asks, so most of the 1,000 are ranked).
const r = rng(42);
const uncleared = withQuietSpots(Array.from({ length: CANDIDATES }, (_, i) => makeCandidate(i, r, null)));
const cleared = Array.from({ length: CANDIDATES }, (_, i) => makeCandidate(i, r, 4_500n));
const cases: { name: string; candidates: Candidate[]; prefs: Preferences }[] = [
  ...(["balanced", "price", "latency", "throughput"] as Sort[]).map((sort) => ({ name: `sort=${sort}`, candidates: uncleared, prefs: { sort, allow_fallbacks: true } })),
  { name: "balanced + bid + max_ttft", candidates: uncleared, prefs: { sort: "balanced", allow_fallbacks: true, max_price_nanos_per_second: 3000n, max_ttft_ms: 150 } },
  { name: "balanced + provider order", candidates: uncleared, prefs: { sort: "balanced", allow_fallbacks: true, providers: { order: ["org_7", "org_3"] } } },
  ...(["balanced", "price"] as Sort[]).map((sort) => ({ name: `cleared spot, sort=${sort}`, candidates: cleared, prefs: { sort, allow_fallbacks: true } })),
];

console.log(`router: ${CANDIDATES} candidates, ${DECISIONS} decisions per case, node ${process.version}, ${cpus()[0]?.model ?? "?"}`);
const rows: { name: string; mean: number; p50: number; p99: number; ranked: number }[] = [];
for (const c of cases) {
  const random = rng(7);
  let ranked = 0;
  const { candidates } = c;
  for (let i = 0; i < WARMUP; i++) ranked = decide(candidates, c.prefs, random).ranked.length;
  const times: number[] = new Array(DECISIONS);
  for (let i = 0; i < DECISIONS; i++) {
    // Load moves between decisions, as it does between requests.
    candidates[i % CANDIDATES]!.inflight = (candidates[i % CANDIDATES]!.inflight + 1) % 16;
    const t0 = process.hrtime.bigint();
    decide(candidates, c.prefs, random);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  times.sort((a, b) => a - b);
  rows.push({ name: c.name, mean: times.reduce((a, b) => a + b, 0) / times.length, p50: percentile(times, 50), p99: percentile(times, 99), ranked });
}

const w = Math.max(...rows.map((x) => x.name.length), 4);
console.log(`\n| ${"case".padEnd(w)} | mean µs | p50 µs | p99 µs | ranked | < ${TARGET_US} µs (p50) |`);
console.log(`|${"-".repeat(w + 2)}|--------:|-------:|-------:|-------:|------------:|`);
for (const x of rows) console.log(`| ${x.name.padEnd(w)} | ${x.mean.toFixed(1).padStart(7)} | ${x.p50.toFixed(1).padStart(6)} | ${x.p99.toFixed(1).padStart(6)} | ${String(x.ranked).padStart(6)} | ${(x.p50 < TARGET_US ? "yes" : "NO").padStart(11)} |`);
