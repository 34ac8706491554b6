import type { JobData, JobName } from "./names";

/**
 * The durable job queue (pg-boss on the marketplace's own database, PGlite or PostgreSQL).
 * PLACEHOLDER INTERFACE: the webhook-pipeline helper implements `startJobQueue` here.
 */
export type JobQueue = {
  /** Enqueue; a job with the same `singletonKey` already queued or active is not enqueued twice. */
  send<N extends JobName>(name: N, data: JobData[N], opts?: { singletonKey?: string; startAfterSeconds?: number; retryLimit?: number }): Promise<void>;
  /** Run `handler` for jobs of `name` in this process; a throw retries the job with backoff. */
  work<N extends JobName>(name: N, handler: (data: JobData[N]) => Promise<void>, opts?: { concurrency?: number }): Promise<void>;
  stop(): Promise<void>;
};
