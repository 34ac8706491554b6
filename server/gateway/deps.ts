import type { SettlementQueue } from "../billing/settlement-queue";
import type { CreditLeases } from "../billing/credit-leases";
import type { ServiceContext } from "../context";
import type { ApiKeyCache } from "./api-key-cache";
import type { KeyRateLimiter } from "./rate-limiter";
import type { OfferBook } from "./offer-book";
import type { GatewayMetrics } from "./metrics";
import type { Logger } from "../logger";

/** What the /v1 pipeline needs; built once per process by server/main.ts. */
export type GatewayDeps = {
  services: ServiceContext;
  keys: ApiKeyCache;
  limiter: KeyRateLimiter;
  offerBook: OfferBook;
  settlements: SettlementQueue;
  leases: CreditLeases;
  /** Requests this process has in flight per offer: the engine queues beyond its slots. */
  inflight: Map<string, number>;
  /** Per machine: EWMA of dispatch → response headers, ms (network plus agent overhead). */
  rtt_ms: Map<string, number>;
  /** The market's cleared spot price, when the clearing engine has one; null → lowest live ask. */
  spotPrice: (modelId: string, hardwareClass: string) => bigint | null;
  /** The buyer organization's standing bid for a model (dashboard), applied when a request names none. */
  standingBid: (organizationId: string, modelId: string) => Promise<bigint | null>;
  random: () => number;
  /** Time from dispatch until an agent must have answered with headers before we fail over. */
  upstream_headers_timeout_ms: number;
  /** Total time to find a provider that answers, across failovers. */
  dispatch_deadline_ms: number;
  max_attempts: number;
  /** Prometheus metrics (optional so tests can build deps without them). */
  metrics?: GatewayMetrics;
  logger?: Logger;
};
