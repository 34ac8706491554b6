import { PgBoss, fromPglite, type ConstructorOptions, type Db, type JobWithMetadata, type PGliteLike } from "pg-boss";
import type { Database } from "../../db/client";
import type { Logger } from "../logger";
import { JOB_NAMES, type JobData, type JobName } from "./names";

export type SendJobOptions = {
  /** At most one job per (queue, key) is queued or running: a second send is dropped (resolves null). */
  singletonKey?: string;
  startAfterSeconds?: number;
  /** Retries after the first attempt (default: the queue's, JOB_RETRY_LIMIT). */
  retryLimit?: number;
};

/** What a handler learns about the attempt it runs. */
export type JobRun = {
  /** 1 for the first attempt. */
  attempt: number;
  /** No retry follows if this attempt throws. */
  final: boolean;
  /** Aborted when the job's claim lapses (it ran past its expiry, or the queue is stopping). */
  signal: AbortSignal;
};

/** The durable job queue (pg-boss on the marketplace's own database, PGlite or PostgreSQL). */
export type JobQueue = {
  /**
   * Enqueue; resolves the job id, or null when a job with the same `singletonKey` is already queued or
   * running (every queue has pg-boss's `exclusive` policy; a job without a key shares the empty key).
   */
  send<N extends JobName>(name: N, data: JobData[N], opts?: SendJobOptions): Promise<string | null>;
  /** Run `handler` for jobs of `name` in this process; a throw retries the job with backoff. */
  work<N extends JobName>(name: N, handler: (data: JobData[N], run: JobRun) => Promise<void>, opts?: { concurrency?: number }): Promise<void>;
  /** SQL statements pg-boss has sent since start (PGlite only, where every one takes the single connection); null on PostgreSQL. */
  statements(): number | null;
  /** Graceful: stops fetching, waits (up to 10 s) for running handlers. Call before closing the database. */
  stop(): Promise<void>;
};

export type JobQueueOptions = {
  /** Backstop poll; new jobs wake workers at once through LISTEN/NOTIFY (in-process on PGlite). */
  poll_interval_ms: number;
  /** Exponential backoff base; 0 = retry at once. */
  retry_delay_s: number;
  retry_limit: number;
  logger: Logger;
};

/** A job running longer than this is presumed lost (its process died) and retried. Handlers call Stripe with a 20 s timeout. */
const JOB_EXPIRE_S = 300;
const RETRY_DELAY_MAX_S = 3600;
/** pg-boss's maintenance and monitoring, which is all it does while idle besides the backstop polls. */
const SUPERVISE_INTERVAL_S = 60;

/**
 * Starts pg-boss on the database the marketplace already uses, creating (or updating) every queue in
 * server/jobs/names.ts. PGlite: through `fromPglite` on the one connection, so every pg-boss statement
 * waits its turn with the app's own queries; they are counted (`statements()`) to keep the idle cost
 * visible. PostgreSQL: pg-boss's own pool of a few connections on the same URL, with a dedicated
 * LISTEN connection.
 *
 * Idle cost, measured on an idle PGlite marketplace with every worker running: 44 pg-boss statements in 30 s
 * at the default 5 s poll (≈1.5/s: one backstop fetch per poller — `concurrency` pollers per queue — plus
 * maintenance once a minute), 313 in 30 s at the tests' 500 ms. Scheduling (cron) and the instance registry
 * are off: nothing here uses them, and both would add timers.
 */
export async function startJobQueue(database: Database, opts: JobQueueOptions): Promise<JobQueue> {
  let counted = 0;
  const common: ConstructorOptions = {
    schedule: false,
    registerInstance: false,
    useListenNotify: true,
    superviseIntervalSeconds: SUPERVISE_INTERVAL_S,
    maintenanceIntervalSeconds: SUPERVISE_INTERVAL_S,
    monitorIntervalSeconds: SUPERVISE_INTERVAL_S,
    openTelemetry: { enabled: false },
  };
  let boss: PgBoss;
  if (database.kind === "pglite") {
    const inner = fromPglite(database.pglite as PGliteLike);
    const db: Db = {
      ...inner,
      executeSql: (text, values) => {
        counted++;
        return inner.executeSql(text, values);
      },
    };
    boss = new PgBoss({ ...common, backend: "pglite", db });
  } else {
    if (!database.url) throw new Error("the job queue needs the PostgreSQL URL (Database.url)");
    boss = new PgBoss({ ...common, connectionString: database.url, max: 4, application_name: "spotlane-jobs" });
  }
  const log = opts.logger.child({ component: "jobs" });
  boss.on("error", (err) => log.error({ err }, "job queue error"));
  boss.on("warning", (w) => log.warn({ warning: w }, "job queue warning"));
  await boss.start();

  const backoff = opts.retry_delay_s > 0;
  // pg-boss refuses a retryDelayMax (even undefined) without backoff.
  const retry = { retryLimit: opts.retry_limit, retryDelay: opts.retry_delay_s, retryBackoff: backoff, ...(backoff ? { retryDelayMax: RETRY_DELAY_MAX_S } : {}) };
  for (const name of JOB_NAMES) {
    if (await boss.getQueue(name)) await boss.updateQueue(name, { ...retry, ...(backoff ? {} : { retryDelayMax: null }), expireInSeconds: JOB_EXPIRE_S, notify: true });
    else await boss.createQueue(name, { policy: "exclusive", ...retry, expireInSeconds: JOB_EXPIRE_S, notify: true });
  }

  const poll_s = opts.poll_interval_ms / 1000;
  let stopped = false;
  return {
    async send(name, data, o = {}) {
      if (stopped) throw new Error("job queue stopped");
      return boss.send(name, data, {
        ...(o.singletonKey !== undefined ? { singletonKey: o.singletonKey } : {}),
        ...(o.startAfterSeconds !== undefined ? { startAfter: o.startAfterSeconds } : {}),
        ...(o.retryLimit !== undefined ? { retryLimit: o.retryLimit } : {}),
      });
    },
    async work(name, handler, o = {}) {
      await boss.work(
        name,
        { localConcurrency: o.concurrency ?? 1, includeMetadata: true as const, pollingIntervalSeconds: poll_s, notifyPollingIntervalSeconds: poll_s },
        async ([job]: JobWithMetadata<JobData[typeof name]>[]) => {
          if (!job) return;
          await handler(job.data, { attempt: job.retryCount + 1, final: job.retryCount >= job.retryLimit, signal: job.signal });
        },
      );
    },
    statements: () => (database.kind === "pglite" ? counted : null),
    async stop() {
      if (stopped) return;
      stopped = true;
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
