import { occupancyGate, spotGate } from "./gates";
import { predict, predictTiming } from "./predict";
import type { Candidate, Preferences, RankedCandidate, Rejection, RequestShape, RouteResult } from "./types";

export { MAX_QUEUE_FACTOR } from "./gates";
/** Candidates scoring within this factor of the best are "near-equal" for load spreading. */
export const NEAR_EQUAL_FACTOR = 1.1;

const matchesProvider = (c: Candidate, ids: string[]) => ids.includes(c.providerOrganizationId) || ids.includes(c.machineId);

/** The first hard gate a candidate fails, by name, or null. */
function hardGate(c: Candidate, prefs: Preferences): string | null {
  if (c.gateReasons.length > 0) return c.gateReasons[0]!;
  if (prefs.hardware?.only?.length && !prefs.hardware.only.includes(c.hardwareClass)) return "hardware_excluded";
  if (prefs.hardware?.ignore?.includes(c.hardwareClass)) return "hardware_excluded";
  if (prefs.quantizations?.length && !prefs.quantizations.includes(c.quantization)) return "quantization_excluded";
  if (prefs.providers?.only?.length && !matchesProvider(c, prefs.providers.only)) return "provider_excluded";
  if (prefs.providers?.ignore?.length && matchesProvider(c, prefs.providers.ignore)) return "provider_excluded";
  if (prefs.allow_fallbacks === false && prefs.providers?.order?.length && !matchesProvider(c, prefs.providers.order)) return "provider_excluded";
  return null;
}

type Viable = { c: Candidate; spot: bigint; ttft_ms: number; hold_ms: number; cost: number; score: number };

/**
 * Ranking score, lower is better. Costs are compared as floats here (a heuristic ordering, never
 * money): the exact nano-USD prediction is computed in bigint for the candidates returned.
 */
function scoreAll(viable: Viable[], prefs: Preferences): void {
  let bestCost = Infinity;
  let bestTtft = Infinity;
  let bestDecode = 0;
  for (const v of viable) {
    if (v.cost < bestCost) bestCost = v.cost;
    if (v.ttft_ms < bestTtft) bestTtft = v.ttft_ms;
    if (v.c.decode_tokens_per_second > bestDecode) bestDecode = v.c.decode_tokens_per_second;
  }
  const costDiv = Math.max(bestCost, 1);
  const ttftDiv = Math.max(bestTtft, 1e-3);
  for (const v of viable) {
    const cost = v.cost / costDiv;
    const ttft = v.ttft_ms / ttftDiv;
    const slowness = bestDecode / Math.max(v.c.decode_tokens_per_second, 1e-6);
    v.score =
      prefs.sort === "price" ? cost + 1e-3 * ttft : prefs.sort === "latency" ? ttft + 1e-3 * cost : prefs.sort === "throughput" ? slowness + 1e-3 * cost : cost + ttft;
  }
}

const byScore = (a: Viable, b: Viable) => a.score - b.score || (a.c.offerId < b.c.offerId ? -1 : a.c.offerId > b.c.offerId ? 1 : 0);

/** The `k` best by score, in order, without sorting everything (k is the failover depth, ~3). */
function topK(viable: Viable[], k: number): Viable[] {
  if (k >= viable.length) return [...viable].sort(byScore);
  const out: Viable[] = [];
  for (const v of viable) {
    if (out.length === k && byScore(v, out[k - 1]!) >= 0) continue;
    let i = out.length === k ? k - 1 : out.length;
    if (out.length < k) out.push(v);
    while (i > 0 && byScore(v, out[i - 1]!) < 0) {
      out[i] = out[i - 1]!;
      i--;
    }
    out[i] = v;
  }
  return out;
}

/**
 * PURE: ranks the candidates for one request. Hard bounds (gates, filters, bid, max TTFT, ask ≤ spot,
 * queue depth) exclude with a named reason; survivors are ranked by the buyer's preference, and among
 * near-equals the first pick is a power-of-two choice on load, so identical providers share traffic.
 * `limit` caps how many ranked candidates are returned (the failover depth).
 */
export function route(candidates: Candidate[], req: RequestShape, prefs: Preferences, random: () => number, limit = Infinity): RouteResult {
  const rejected: Rejection[] = [];
  const open: Candidate[] = [];
  for (const c of candidates) {
    const reason = hardGate(c, prefs);
    if (reason) rejected.push({ offerId: c.offerId, reason });
    else open.push(c);
  }

  let lowest_spot_nanos_per_second: bigint | null = null;
  const viable: Viable[] = [];
  for (const c of open) {
    // The caller's routing spot (server/gateway/admit.ts `toCandidates`, the same rule the provider's
    // views use). Null only when the market has no price at all, which a live candidate rules out, since
    // its own ask is supply; refuse rather than route at an unknown price.
    const spot = c.spot_nanos_per_second;
    if (spot === null) {
      rejected.push({ offerId: c.offerId, reason: "no_market_price" });
      continue;
    }
    if (lowest_spot_nanos_per_second === null || spot < lowest_spot_nanos_per_second) lowest_spot_nanos_per_second = spot;
    let reason: string | null =
      spotGate(c.ask_nanos_per_second, spot) ??
      (prefs.max_price_nanos_per_second !== undefined && spot > prefs.max_price_nanos_per_second ? "price_above_bid" : occupancyGate(c.slots, c.inflight));
    const t = reason ? null : predictTiming(c, req);
    if (t && prefs.max_ttft_ms !== undefined && t.ttft_ms > prefs.max_ttft_ms) reason = "ttft_above_limit";
    if (reason || !t) rejected.push({ offerId: c.offerId, reason: reason! });
    else viable.push({ c, spot, ttft_ms: t.ttft_ms, hold_ms: t.hold_ms, cost: (Number(spot) * t.hold_ms) / 1000, score: 0 });
  }
  if (viable.length === 0) return { ranked: [], rejected, lowest_spot_nanos_per_second };
  scoreAll(viable, prefs);

  const depth = prefs.allow_fallbacks === false ? 1 : limit;
  let chosen: Viable[];
  const order = prefs.providers?.order ?? [];
  if (order.length > 0) {
    // An explicit provider order beats the score; the score orders within and after it.
    const rank = (v: Viable) => {
      const i = order.findIndex((id) => id === v.c.providerOrganizationId || id === v.c.machineId);
      return i === -1 ? order.length : i;
    };
    chosen = [...viable].sort((a, b) => rank(a) - rank(b) || byScore(a, b)).slice(0, depth);
  } else {
    let best = viable[0]!;
    for (const v of viable) if (byScore(v, best) < 0) best = v;
    const nearEqual = viable.filter((v) => v.score <= best.score * NEAR_EQUAL_FACTOR);
    let first = best;
    if (nearEqual.length > 1) {
      const a = nearEqual[Math.floor(random() * nearEqual.length) % nearEqual.length]!;
      const b = nearEqual[Math.floor(random() * nearEqual.length) % nearEqual.length]!;
      const load = (v: Viable) => v.c.inflight / v.c.slots;
      first = load(b) < load(a) ? b : a;
    }
    chosen = depth <= 1 ? [first] : [first, ...topK(viable.filter((v) => v !== first), depth - 1)];
  }
  const ranked: RankedCandidate[] = chosen.map((v) => ({ candidate: v.c, prediction: predict(v.c, req, v.spot) }));
  return { ranked, rejected, lowest_spot_nanos_per_second };
}
