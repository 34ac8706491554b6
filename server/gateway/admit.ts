import { requestCostNanos } from "../../lib/money";
import { offerRates, promptTokensBound, quoteMs } from "../billing/meter";
import { ServiceError } from "../errors";
import { offerStateGates, QuietPrices, routingSpotNanos, type OfferStateGate } from "../providers/liveness";
import type { RoutableOffer } from "../providers/list-routable-offers";
import { route } from "../router/route";
import type { Candidate, Preferences, RankedCandidate, RequestShape } from "../router/types";
import type { GatewayDeps } from "./deps";
import type { RequestNeeds } from "./request-needs";

/**
 * Holds cover twice the largest quote the request can bill (at max_tokens and the prompt-token bound),
 * at least 2 s and at most 10 min of slot time. Billing never passes the quote, so the headroom only
 * delays the stop a provider running past the hold gets (proxy-completion.ts): slack for a loaded machine.
 */
const HOLD_QUOTES = 2;
const MIN_HOLD_MS = 2_000;
export const MAX_HOLD_MS = 600_000;
/** Assumed RTT for a machine we have not measured yet. */
const DEFAULT_RTT_MS = 20;

export type PlannedAttempt = RankedCandidate & { offer: RoutableOffer };

/** Rough token count for prediction only (≈4 characters per token); metering uses the engine's count. */
export function estimatePromptTokens(texts: string[]): number {
  return Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 4);
}

type CandidateDeps = Pick<GatewayDeps, "spotPrice" | "inflight" | "rtt_ms">;

/**
 * The router's view of a model's offers (exported for the test that the router and the provider views
 * agree). Each candidate carries its market's routing spot, computed here so the router stays pure and
 * never needs the clearing engine: the cleared spot of a fresh tick, else the quiet price over the
 * market's live offers (no state gate), whatever the buyer's filters — one price per market, the same
 * rule as the views (server/providers/liveness.ts `routingSpots`).
 */
export function toCandidates(deps: CandidateDeps, offers: RoutableOffer[], now: Date): Candidate[] {
  const gates = offers.map((o) => offerStateGates(o, now));
  const cleared = offers.map((o) => deps.spotPrice(o.modelId, o.hardwareClass));
  // Markets a tick has priced are skipped: their quiet price is never needed.
  const quiet = new QuietPrices();
  offers.forEach((o, i) => {
    if (cleared[i] === null && gates[i]!.length === 0) quiet.add(o.modelId, o.hardwareClass, o.ask_nanos_per_second, o.slots);
  });
  return offers.map((o, i) => {
    const tick = cleared[i] ?? null;
    return toCandidate(deps, o, gates[i]!, routingSpotNanos(tick, tick === null ? quiet.get(o.modelId, o.hardwareClass) : null));
  });
}

function toCandidate(deps: CandidateDeps, o: RoutableOffer, gateReasons: OfferStateGate[], spot_nanos_per_second: bigint | null): Candidate {
  return {
    offerId: o.offerId,
    machineId: o.machineId,
    providerOrganizationId: o.providerOrganizationId,
    modelId: o.modelId,
    hardwareClass: o.hardwareClass,
    quantization: (o.modelId.split(":")[1] ?? "").toLowerCase(),
    ask_nanos_per_second: o.ask_nanos_per_second,
    spot_nanos_per_second,
    slots: o.slots,
    inflight: deps.inflight.get(o.offerId) ?? 0,
    // Measured by the marketplace when it has measured; the agent's claim until then.
    decode_tokens_per_second: o.verified_decode_tokens_per_second ?? o.claimed_decode_tokens_per_second,
    prefill_tokens_per_second: o.verified_prefill_tokens_per_second ?? o.claimed_prefill_tokens_per_second,
    // The marketplace-measured short-prompt TTFT includes the network, which rtt_ms already covers.
    base_ttft_ms: o.verified_ttft_ms === null ? 0 : Math.max(0, o.verified_ttft_ms - (deps.rtt_ms.get(o.machineId) ?? DEFAULT_RTT_MS)),
    rtt_ms: deps.rtt_ms.get(o.machineId) ?? DEFAULT_RTT_MS,
    // The router adds the spot and occupancy gates (occupancy from this gateway's own in-flight count,
    // fresher than heartbeats), through the same functions the provider's views use.
    gateReasons,
  };
}

/** Where a request may run, in failover order, or an OpenAI-style reason why it cannot run anywhere. */
export async function planAttempts(deps: GatewayDeps, input: { modelId: string; shape: RequestShape; prefs: Preferences; needs: RequestNeeds }): Promise<PlannedAttempt[]> {
  const offers = await deps.offerBook.offersFor(input.modelId);
  if (offers.length === 0) {
    throw new ServiceError("model_not_found", `The model '${input.modelId}' does not exist or is not offered by any provider. GET /v1/models lists what is on offer.`, { param: "model" });
  }
  const now = deps.services.now();
  const byId = new Map(offers.map((o) => [o.offerId, o]));
  const result = route(toCandidates(deps, offers, now), input.shape, input.prefs, deps.random, deps.max_attempts);
  if (result.ranked.length > 0) return result.ranked.map((r) => ({ ...r, offer: byId.get(r.candidate.offerId)! }));

  const reasons = new Set(result.rejected.map((r) => r.reason));
  if (reasons.has("price_above_bid")) {
    throw new ServiceError(
      "spend_limit_exceeded",
      `No provider serves '${input.modelId}' within your bid: the spot price is ${result.lowest_spot_nanos_per_second} nano-USD per second, above your max_price_per_second of ${input.prefs.max_price_nanos_per_second}.`,
      { code: "price_above_bid", param: "spotlane.max_price_per_second" },
    );
  }
  if (reasons.has("no_free_slot")) {
    // The queue (server/gateway/queue/plan-or-wait.ts) waits on this code for a slot to free.
    throw new ServiceError("no_provider_available", `Every provider slot for '${input.modelId}' is busy right now. Retry shortly.`, { code: "no_free_slot" });
  }
  if (reasons.has("ttft_above_limit")) {
    throw new ServiceError("no_provider_available", `No provider for '${input.modelId}' is predicted to meet max_ttft_ms=${input.prefs.max_ttft_ms} right now.`, { code: "ttft_above_limit" });
  }
  const summary = [...reasons].join(", ") || "no provider is online";
  throw new ServiceError("no_provider_available", `No provider is available for '${input.modelId}' right now (${summary}). Retry shortly.`);
}

/** What metering bounds token counts by: the max_tokens forwarded, and a bound from the prompt's UTF-8 bytes. */
export type TokenBounds = { max_tokens: number; prompt_tokens: number };

export function tokenBounds(prompt_texts: string[], messages: number, max_tokens: number): TokenBounds {
  return { max_tokens, prompt_tokens: promptTokensBound(prompt_texts.reduce((n, t) => n + Buffer.byteLength(t), 0), messages) };
}

/** The hold placed before dispatch: covers the largest quote the request can bill, at the dearest price it may run at. */
export function holdAmountNanos(attempts: PlannedAttempt[], bounds: TokenBounds): bigint {
  let hold = 0n;
  for (const a of attempts) {
    const largest_quote_ms = quoteMs(offerRates(a.offer), { prompt_tokens: bounds.prompt_tokens, completion_tokens: bounds.max_tokens });
    const hold_ms = Math.min(MAX_HOLD_MS, Math.max(MIN_HOLD_MS, HOLD_QUOTES * largest_quote_ms));
    const amount = requestCostNanos(a.prediction.price_nanos_per_second, hold_ms);
    if (amount > hold) hold = amount;
  }
  return hold;
}
