/** Inputs and outputs of the PURE router (DESIGN §4). Prices in nano-USD per slot-second, times in ms. */
export type Candidate = {
  offerId: string;
  machineId: string;
  providerOrganizationId: string;
  modelId: string;
  hardwareClass: string;
  /** From the model id's `:quant` suffix, lower-case ("q4_k_m", "f16"); "" when the id has none. */
  quantization: string;
  ask_nanos_per_second: bigint;
  /**
   * The market's routing spot, computed by the caller (server/router/gates.ts `routingSpotNanos`): the
   * cleared price of a fresh tick, else the quiet price over the market's live offers. Null only when
   * the market has no price at all (no tick, no live offer), so only for a candidate with a state gate.
   */
  spot_nanos_per_second: bigint | null;
  slots: number;
  /** Requests this gateway has in flight on the offer (beyond `slots` they queue in the engine). */
  inflight: number;
  decode_tokens_per_second: number;
  prefill_tokens_per_second: number;
  /** Engine-side time to first token excluding prefill and network (e.g. scheduling), ms. */
  base_ttft_ms: number;
  /** Network round trip to the agent, EWMA, ms. */
  rtt_ms: number;
  /**
   * The offer's state gates (server/providers/liveness.ts `offerStateGates`: heartbeat_stale, unverified,
   * suspended, …), computed by the caller; any excludes it. Spot and occupancy gates are the router's.
   */
  gateReasons: string[];
};

/** Engine capabilities beyond plain text (lib/wire/agent.ts `engineCapabilities`). */
export type CapabilityName = "tools" | "json_schema" | "logprobs" | "embeddings";

export type Sort = "price" | "latency" | "throughput" | "balanced";

export type Preferences = {
  sort: Sort;
  max_price_nanos_per_second?: bigint;
  max_ttft_ms?: number;
  hardware?: { only?: string[]; ignore?: string[] };
  quantizations?: string[];
  /** Matched against the provider organization id or the machine id. */
  providers?: { order?: string[]; only?: string[]; ignore?: string[] };
  /** false: no failover to other candidates; with `providers.order`, only those providers. */
  allow_fallbacks: boolean;
};

export type RequestShape = { prompt_tokens: number; max_tokens: number };

export type Prediction = {
  price_nanos_per_second: bigint;
  ttft_ms: number;
  hold_ms: number;
  cost_nanos: bigint;
};

export type RankedCandidate = { candidate: Candidate; prediction: Prediction };
export type Rejection = { offerId: string; reason: string };

export type RouteResult = {
  /** In the order to try them: the first is the choice, the rest are failover targets. */
  ranked: RankedCandidate[];
  rejected: Rejection[];
  /** Lowest spot among markets that had live supply, for error messages. */
  lowest_spot_nanos_per_second: bigint | null;
};
