import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "../db/client";
import { acquireLease, releaseLease, renewLease, type Lease } from "../server/leader-lease";
import { fallbackLogger, type Logger } from "../server/logger";
import { pruneTicks } from "../server/market/record-clearing";
import { DEFAULT_TICK_CONFIG, runClearingTick, type ClearingTickConfig, type TickOutcome } from "../server/market/run-clearing-tick";
import type { Worker } from "./worker";

export const CLEARING_LEASE_NAME = "clearing-tick";

export type ClearingTickerOptions = {
  db: Db;
  now?: () => Date;
  /** One tick per interval, aligned to the wall clock (every whole second by default). */
  interval_ms?: number;
  /** A dead leader is replaced within about this long (plus one interval). */
  lease_ttl_ms?: number;
  /** Identifies this process in the lease row. */
  holder?: string;
  config?: ClearingTickConfig;
  /** Price history older than this is pruned (every `prune_every_ticks` ticks): the history stays bounded. */
  history_retention_ms?: number;
  prune_every_ticks?: number;
  logger?: Logger;
  onTick?: (outcome: TickOutcome) => void;
};

export type ClearingTicker = {
  readonly holder: string;
  isLeader(): boolean;
  /** Ticks this process recorded. */
  tickCount(): number;
  /** Graceful: finishes the tick in progress and releases the lease so another process takes over at once. */
  stop(): Promise<void>;
  /** Stops without releasing the lease, as a crashed process would (tests of failover). */
  abandon(): Promise<void>;
};

/**
 * The clearing tick loop (DESIGN §4): every interval, if this process holds (or can take) the
 * `clearing-tick` lease, clear every market and record the results, fenced by the lease. Processes that
 * do not lead just retry the lease each interval, so exactly one ticks and a successor takes over
 * within `lease_ttl_ms` of a leader's death.
 */
export function startClearingTicker(opts: ClearingTickerOptions): ClearingTicker {
  const interval_ms = opts.interval_ms ?? 1_000;
  const now = opts.now ?? (() => new Date());
  const config = opts.config ?? DEFAULT_TICK_CONFIG;
  const retention_ms = opts.history_retention_ms ?? 24 * 3_600_000;
  const prune_every = opts.prune_every_ticks ?? 60;
  const logger = opts.logger ?? fallbackLogger();
  const lease: Lease = { name: CLEARING_LEASE_NAME, holder: opts.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`, ttl_ms: opts.lease_ttl_ms ?? 3_000 };

  let stopped = false;
  let leader = false;
  let ticks = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let lastErrorLoggedAt = 0;

  async function tick(): Promise<void> {
    try {
      const wasLeader = leader;
      leader = await acquireLease(opts.db, lease);
      if (leader !== wasLeader) logger.info({ holder: lease.holder, leader }, leader ? "clearing tick: took the lead" : "clearing tick: another process leads");
      if (!leader || stopped) return;
      const at = now();
      const outcome = await runClearingTick(opts.db, at, config, (tx) => renewLease(tx, lease));
      if (!outcome.recorded) {
        leader = false;
        logger.warn({ holder: lease.holder }, "clearing tick: lost the lead before recording; discarded this tick");
        return;
      }
      ticks += 1;
      if (ticks % prune_every === 0) await pruneTicks(opts.db, new Date(at.getTime() - retention_ms));
      opts.onTick?.(outcome);
    } catch (err) {
      // A database hiccup must not kill the loop; log at most every 10 s so an outage does not flood.
      if (Date.now() - lastErrorLoggedAt > 10_000) {
        lastErrorLoggedAt = Date.now();
        logger.error({ err }, "clearing tick failed; retrying next interval");
      }
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(
      () => {
        running = tick().finally(() => {
          running = null;
          schedule();
        });
      },
      interval_ms - (Date.now() % interval_ms),
    );
    timer.unref();
  }

  async function halt(release: boolean): Promise<void> {
    stopped = true;
    clearTimeout(timer);
    await running;
    if (release && leader) await releaseLease(opts.db, lease).catch((err: unknown) => logger.warn({ err }, "clearing tick: could not release the lease"));
    leader = false;
  }

  schedule();
  return {
    holder: lease.holder,
    isLeader: () => leader,
    tickCount: () => ticks,
    stop: () => halt(true),
    abandon: () => halt(false),
  };
}

export const clearingTickWorker: Worker = {
  name: "clearing-tick",
  start(rt) {
    const ticker = startClearingTicker({ db: rt.database.db, now: rt.services.now, logger: rt.logger?.child({ component: "clearing-tick" }) });
    return () => ticker.stop();
  },
};
