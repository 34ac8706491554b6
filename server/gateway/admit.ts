import { requestCostNanos, usdToNanos } from "../../lib/money";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { offerGateReasons } from "../providers/liveness";
import { listOffersForModel, type RoutableOffer } from "../providers/list-routable-offers";
import { chooseOffer } from "../router/choose-offer";
import type { GatewayDeps } from "./deps";

const DEFAULT_MAX_TOKENS = 1024;
/** Holds cover twice the predicted time, at least 2 s and at most 10 min of slot time. */
const MIN_HOLD_MS = 2_000;
const MAX_HOLD_MS = 600_000;

export function bidToNanos(max_price_per_second: number | string | undefined): bigint | undefined {
  if (max_price_per_second === undefined) return undefined;
  return usdToNanos(typeof max_price_per_second === "number" ? max_price_per_second.toFixed(9) : max_price_per_second);
}

/** Chooses where a request runs and at what locked price, or explains in OpenAI terms why it cannot. */
export async function routeRequest(deps: GatewayDeps, input: { modelId: string; max_price_nanos_per_second?: bigint }): Promise<{ offer: RoutableOffer; price_nanos_per_second: bigint }> {
  const offers = await listOffersForModel(deps.services.db, input.modelId);
  if (offers.length === 0) {
    throw new ServiceError("model_not_found", `The model '${input.modelId}' does not exist or is not offered by any provider. GET /v1/models lists what is on offer.`, { param: "model" });
  }
  const now = deps.services.now();
  const decision = chooseOffer(
    offers.map((o) => ({
      offerId: o.offerId,
      ask_nanos_per_second: o.ask_nanos_per_second,
      slots: o.slots,
      inflight: deps.inflight.get(o.offerId) ?? 0,
      // Slot occupancy is judged from this gateway's own in-flight count, which is fresher than heartbeats.
      gateReasons: offerGateReasons({ machineStatus: o.machineStatus, lastHeartbeatAt: o.lastHeartbeatAt, offerStatus: o.offerStatus, slots: 1, activeSlots: 0, now }),
    })),
    { max_price_nanos_per_second: input.max_price_nanos_per_second },
    deps.random,
  );
  if (!decision.ok) {
    if (decision.reason === "price_above_bid") {
      throw new ServiceError(
        "no_provider_available",
        `No provider serves '${input.modelId}' within your bid: the spot price is ${decision.spot_nanos_per_second} nano-USD per second, above your max_price_per_second.`,
        { code: "price_above_bid" },
      );
    }
    const why = decision.reason === "all_queues_full" ? "every provider is at capacity" : "no provider is online";
    throw new ServiceError("no_provider_available", `No provider is available for '${input.modelId}' right now (${why}). Retry shortly.`);
  }
  return { offer: offers.find((o) => o.offerId === decision.offerId)!, price_nanos_per_second: decision.price_nanos_per_second };
}

/** The hold placed before dispatch: price × a generous bound on the request's slot time. */
export function holdAmountNanos(offer: RoutableOffer, price_nanos_per_second: bigint, max_tokens: number | null | undefined): bigint {
  const decode_ms = ((max_tokens ?? DEFAULT_MAX_TOKENS) * 1000) / Math.max(offer.claimed_decode_tokens_per_second, 1);
  const hold_ms = Math.min(MAX_HOLD_MS, Math.max(MIN_HOLD_MS, Math.ceil(2 * (offer.claimed_ttft_ms + decode_ms))));
  return requestCostNanos(price_nanos_per_second, hold_ms);
}

export type { ServiceContext };
