import type { ServiceContext } from "../context";
import type { ApiKeyCache } from "./api-key-cache";

/** What the /v1 pipeline needs; built once per process by server/main.ts. */
export type GatewayDeps = {
  services: ServiceContext;
  keys: ApiKeyCache;
  /** Requests this process has in flight per offer: the engine queues beyond its slots. */
  inflight: Map<string, number>;
  random: () => number;
  /** Time from dispatch until the agent must have answered with headers. */
  upstream_headers_timeout_ms: number;
};
