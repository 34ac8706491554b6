import type { Queryable } from "../../db/client";
import type { Logger } from "../logger";
import { marketKey } from "./market-key";
import { getSpotPrices, SPOT_MAX_AGE_MS, type SpotPrices } from "./spot-prices";

export type SpotPriceCacheOptions = {
  db: Queryable;
  now?: () => Date;
  /** Refresh period: the gateway sees a new tick's price at most this much later. */
  refresh_ms?: number;
  /** Ticks older than this are ignored (no process is clearing) → the caller uses the lowest live ask. */
  max_age_ms?: number;
  logger?: Logger;
};

/**
 * In-process spot prices for the gateway's hot path: `get` is synchronous and costs a Map lookup; a
 * background refresh reads the `markets` table at most every `refresh_ms` (250 ms), one query shared by
 * all requests. Until the first refresh, and for markets without a fresh tick, `get` returns null.
 */
export class SpotPriceCache {
  private prices: SpotPrices = new Map();
  private loadedAt: Date | null = null;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<SpotPrices> | null = null;
  private readonly now: () => Date;
  private readonly refresh_ms: number;
  private readonly max_age_ms: number;

  constructor(private readonly opts: SpotPriceCacheOptions) {
    this.now = opts.now ?? (() => new Date());
    this.refresh_ms = opts.refresh_ms ?? 250;
    this.max_age_ms = opts.max_age_ms ?? SPOT_MAX_AGE_MS;
  }

  /** The market's cleared spot, or null (no fresh tick): wire as GatewayDeps.spotPrice. */
  get(model_id: string, hardware_class: string): bigint | null {
    // A cache that stopped refreshing (database down) must not serve prices older than a tick may be.
    if (!this.loadedAt || this.now().getTime() - this.loadedAt.getTime() > this.max_age_ms) return null;
    return this.prices.get(marketKey(model_id, hardware_class)) ?? null;
  }

  /** The whole map as of the last refresh. */
  snapshot(): SpotPrices {
    return new Map(this.prices);
  }

  /** Reads now; concurrent callers share one query. */
  refresh(): Promise<SpotPrices> {
    this.inflight ??= (async () => {
      const at = this.now();
      try {
        this.prices = await getSpotPrices(this.opts.db, at, this.max_age_ms);
        this.loadedAt = at;
        return this.prices;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** Loads once, then refreshes every `refresh_ms` until `stop`. */
  async start(): Promise<void> {
    await this.refresh().catch((err: unknown) => this.opts.logger?.warn({ err }, "spot price refresh failed"));
    const loop = () => {
      this.timer = setTimeout(() => {
        this.refresh()
          .catch((err: unknown) => this.opts.logger?.warn({ err }, "spot price refresh failed"))
          .finally(() => {
            if (this.timer) loop();
          });
      }, this.refresh_ms);
      this.timer.unref();
    };
    loop();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight?.catch(() => {});
  }
}
