import { predict } from "./predict";
import type { Candidate, Preferences, RankedCandidate, Rejection, RequestShape, RouteResult } from "./types";

/** How deep an engine queue may get, in multiples of its slots, before the offer stops taking work. */
export const MAX_QUEUE_FACTOR = 4;
/** Candidates scoring within this factor of the best are "near-equal" for load spreading. */
export const NEAR_EQUAL_FACTOR = 1.1;

const marketKey = (c: Candidate) => `${c.modelId}@${c.hardwareClass}`;
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

function score(r: RankedCandidate, prefs: Preferences, best: { cost: number; ttft: number; decode: number }): number {
  const cost = Number(r.prediction.cost_nanos) / Math.max(best.cost, 1);
  const ttft = r.prediction.ttft_ms / Math.max(best.ttft, 1e-3);
  const slowness = best.decode / Math.max(r.candidate.decode_tokens_per_second, 1e-6);
  switch (prefs.sort) {
    case "price":
      return cost + 1e-3 * ttft;
    case "latency":
      return ttft + 1e-3 * cost;
    case "throughput":
      return slowness + 1e-3 * cost;
    case "balanced":
      return cost + ttft;
  }
}

/**
 * PURE: ranks the candidates for one request. Hard bounds (gates, filters, bid, max TTFT, ask ≤ spot,
 * queue depth) exclude with a named reason; survivors are ranked by the buyer's preference, and among
 * near-equals the first pick is a power-of-two choice on load, so identical providers share traffic.
 */
export function route(candidates: Candidate[], req: RequestShape, prefs: Preferences, random: () => number): RouteResult {
  const rejected: Rejection[] = [];
  const open: Candidate[] = [];
  for (const c of candidates) {
    const reason = hardGate(c, prefs);
    if (reason) rejected.push({ offerId: c.offerId, reason });
    else open.push(c);
  }

  // Spot per market: the cleared price, or (before any tick) the lowest live ask there — the no-demand rule.
  const lowestAsk = new Map<string, bigint>();
  for (const c of open) {
    const k = marketKey(c);
    const cur = lowestAsk.get(k);
    if (cur === undefined || c.ask_nanos_per_second < cur) lowestAsk.set(k, c.ask_nanos_per_second);
  }
  const spotOf = (c: Candidate) => c.market_spot_nanos_per_second ?? lowestAsk.get(marketKey(c))!;
  let lowest_spot_nanos_per_second: bigint | null = null;
  for (const c of open) {
    const s = spotOf(c);
    if (lowest_spot_nanos_per_second === null || s < lowest_spot_nanos_per_second) lowest_spot_nanos_per_second = s;
  }

  const viable: RankedCandidate[] = [];
  for (const c of open) {
    const spot = spotOf(c);
    const prediction = predict(c, req, spot);
    let reason: string | null = null;
    if (c.ask_nanos_per_second > spot) reason = "ask_above_spot";
    else if (prefs.max_price_nanos_per_second !== undefined && spot > prefs.max_price_nanos_per_second) reason = "price_above_bid";
    else if (c.inflight >= c.slots * MAX_QUEUE_FACTOR) reason = "queue_full";
    else if (prefs.max_ttft_ms !== undefined && prediction.ttft_ms > prefs.max_ttft_ms) reason = "ttft_above_limit";
    if (reason) rejected.push({ offerId: c.offerId, reason });
    else viable.push({ candidate: c, prediction });
  }
  if (viable.length === 0) return { ranked: [], rejected, lowest_spot_nanos_per_second };

  const best = {
    cost: Math.min(...viable.map((r) => Number(r.prediction.cost_nanos))),
    ttft: Math.min(...viable.map((r) => r.prediction.ttft_ms)),
    decode: Math.max(...viable.map((r) => r.candidate.decode_tokens_per_second)),
  };
  const scored = viable.map((r) => ({ r, s: score(r, prefs, best) })).sort((a, b) => a.s - b.s || a.r.candidate.offerId.localeCompare(b.r.candidate.offerId));

  const order = prefs.providers?.order ?? [];
  const orderIndex = (c: Candidate) => {
    const i = order.findIndex((id) => id === c.providerOrganizationId || id === c.machineId);
    return i === -1 ? order.length : i;
  };
  let ranked = scored.map((x) => x.r);
  if (order.length > 0) ranked = ranked.map((r, i) => ({ r, i })).sort((a, b) => orderIndex(a.r.candidate) - orderIndex(b.r.candidate) || a.i - b.i).map((x) => x.r);
  else {
    const nearEqual = scored.filter((x) => x.s <= scored[0]!.s * NEAR_EQUAL_FACTOR).map((x) => x.r);
    if (nearEqual.length > 1) {
      const a = nearEqual[Math.floor(random() * nearEqual.length) % nearEqual.length]!;
      const b = nearEqual[Math.floor(random() * nearEqual.length) % nearEqual.length]!;
      const load = (r: RankedCandidate) => r.candidate.inflight / r.candidate.slots;
      const pick = load(b) < load(a) ? b : a;
      ranked = [pick, ...ranked.filter((r) => r !== pick)];
    }
  }
  if (prefs.allow_fallbacks === false) ranked = ranked.slice(0, 1);
  return { ranked, rejected, lowest_spot_nanos_per_second };
}
