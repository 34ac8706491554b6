import type { Queryable } from "../../db/client";
import { RefreshingValue } from "../../lib/refreshing-value";
import type { Logger } from "../logger";
import { marketKey } from "./market-key";
import { getSpotPrices, SPOT_MAX_AGE_MS, type SpotPrices } from "./spot-prices";

export type SpotPriceCacheOptions = {
  db: Queryable;
  now_ms?: () => number;
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
  private prices: RefreshingValue<SpotPrices>;
  private timer: NodeJS.Timeout | undefined;
  private readonly refresh_ms: number;
  private readonly max_age_ms: number;

  constructor(private readonly opts: SpotPriceCacheOptions) {
    this.refresh_ms = opts.refresh_ms ?? 250;
    this.max_age_ms = opts.max_age_ms ?? SPOT_MAX_AGE_MS;
    const max_age_ms = this.max_age_ms;
    this.prices = new RefreshingValue({
      // Prices as of the read's start: the same instant that dates the snapshot.
      load: (started_ms) => getSpotPrices(opts.db, new Date(started_ms), max_age_ms),
      now_ms: opts.now_ms ?? (() => Date.now()),
      refresh_ms: this.refresh_ms,
      max_stale_ms: max_age_ms,
    });
  }

  /** The market's cleared spot, or null (no fresh tick): wire as GatewayDeps.spotPrice. */
  get(model_id: string, hardware_class: string): bigint | null {
    // A cache that stopped refreshing (database down) must not serve prices older than a tick may be.
    const held = this.prices.peek();
    if (!held || this.prices.age_ms() > this.max_age_ms) return null;
    return held.value.get(marketKey(model_id, hardware_class)) ?? null;
  }

  /** The whole map as of the last refresh. */
  snapshot(): SpotPrices {
    return new Map(this.prices.peek()?.value ?? []);
  }

  /** Reads now; concurrent callers share one query. */
  refresh(): Promise<SpotPrices> {
    return this.prices.reload();
  }

  /** Loads once, then refreshes every `refresh_ms` until `stop` (timed, so an idle gateway's first request is not stale). */
  async start(): Promise<void> {
    const warn = (err: unknown) => this.opts.logger?.warn({ err }, "spot price refresh failed");
    await this.refresh().catch(warn);
    const loop = () => {
      this.timer = setTimeout(() => {
        void this.refresh()
          .catch(warn)
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
    await this.prices.idle();
  }
}
