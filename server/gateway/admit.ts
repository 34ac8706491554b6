import { requestCostNanos } from "../../lib/money";
import { ServiceError } from "../errors";
import { offerGateReasons } from "../providers/liveness";
import type { RoutableOffer } from "../providers/list-routable-offers";
import { route } from "../router/route";
import type { Candidate, Preferences, RankedCandidate, RequestShape } from "../router/types";
import type { GatewayDeps } from "./deps";

export const DEFAULT_MAX_TOKENS = 1024;
/** Holds cover twice the predicted slot time, at least 2 s and at most 10 min of it. */
const MIN_HOLD_MS = 2_000;
const MAX_HOLD_MS = 600_000;
/** Assumed RTT for a machine we have not measured yet. */
const DEFAULT_RTT_MS = 20;

export type PlannedAttempt = RankedCandidate & { offer: RoutableOffer };

/** Rough token count for prediction only (≈4 characters per token); metering uses the engine's count. */
export function estimatePromptTokens(texts: string[]): number {
  return Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 4);
}

function toCandidate(deps: GatewayDeps, o: RoutableOffer, now: Date): Candidate {
  return {
    offerId: o.offerId,
    machineId: o.machineId,
    providerOrganizationId: o.providerOrganizationId,
    modelId: o.modelId,
    hardwareClass: o.hardwareClass,
    quantization: (o.modelId.split(":")[1] ?? "").toLowerCase(),
    ask_nanos_per_second: o.ask_nanos_per_second,
    market_spot_nanos_per_second: deps.spotPrice(o.modelId, o.hardwareClass),
    slots: o.slots,
    inflight: deps.inflight.get(o.offerId) ?? 0,
    // Measured by the marketplace when it has measured; the agent's claim until then.
    decode_tokens_per_second: o.verified_decode_tokens_per_second ?? o.claimed_decode_tokens_per_second,
    prefill_tokens_per_second: o.verified_prefill_tokens_per_second ?? o.claimed_prefill_tokens_per_second,
    // The marketplace-measured short-prompt TTFT includes the network, which rtt_ms already covers.
    base_ttft_ms: o.verified_ttft_ms === null ? 0 : Math.max(0, o.verified_ttft_ms - (deps.rtt_ms.get(o.machineId) ?? DEFAULT_RTT_MS)),
    rtt_ms: deps.rtt_ms.get(o.machineId) ?? DEFAULT_RTT_MS,
    // Slot occupancy is judged by the router from this gateway's own in-flight count (fresher than heartbeats).
    gateReasons: offerGateReasons({
      machineStatus: o.machineStatus,
      lastHeartbeatAt: o.lastHeartbeatAt,
      offerStatus: o.offerStatus,
      verificationStatus: o.verificationStatus,
      suspendedReason: o.suspendedReason,
      now,
    }),
  };
}

/** Where a request may run, in failover order, or an OpenAI-style reason why it cannot run anywhere. */
export async function planAttempts(deps: GatewayDeps, input: { modelId: string; shape: RequestShape; prefs: Preferences }): Promise<PlannedAttempt[]> {
  const offers = await deps.offerBook.offersFor(input.modelId);
  if (offers.length === 0) {
    throw new ServiceError("model_not_found", `The model '${input.modelId}' does not exist or is not offered by any provider. GET /v1/models lists what is on offer.`, { param: "model" });
  }
  const now = deps.services.now();
  const byId = new Map(offers.map((o) => [o.offerId, o]));
  const result = route(offers.map((o) => toCandidate(deps, o, now)), input.shape, input.prefs, deps.random, deps.max_attempts);
  if (result.ranked.length > 0) return result.ranked.map((r) => ({ ...r, offer: byId.get(r.candidate.offerId)! }));

  const reasons = new Set(result.rejected.map((r) => r.reason));
  if (reasons.has("price_above_bid")) {
    throw new ServiceError(
      "spend_limit_exceeded",
      `No provider serves '${input.modelId}' within your bid: the spot price is ${result.lowest_spot_nanos_per_second} nano-USD per second, above your max_price_per_second of ${input.prefs.max_price_nanos_per_second}.`,
      { code: "price_above_bid", param: "spotlane.max_price_per_second" },
    );
  }
  if (reasons.has("ttft_above_limit")) {
    throw new ServiceError("no_provider_available", `No provider for '${input.modelId}' is predicted to meet max_ttft_ms=${input.prefs.max_ttft_ms} right now.`, { code: "ttft_above_limit" });
  }
  const summary = [...reasons].join(", ") || "no provider is online";
  throw new ServiceError("no_provider_available", `No provider is available for '${input.modelId}' right now (${summary}). Retry shortly.`);
}

/** The hold placed before dispatch: a generous bound on slot time, at the dearest price it may run at. */
export function holdAmountNanos(attempts: PlannedAttempt[]): bigint {
  let hold = 0n;
  for (const a of attempts) {
    const hold_ms = Math.min(MAX_HOLD_MS, Math.max(MIN_HOLD_MS, Math.ceil(2 * a.prediction.hold_ms)));
    const amount = requestCostNanos(a.prediction.price_nanos_per_second, hold_ms);
    if (amount > hold) hold = amount;
  }
  return hold;
}
