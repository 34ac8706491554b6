import type { ServerResponse } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics for the /v1 gateway, served as text at `GET /metrics` (server/main.ts).
 *
 * One `Registry` per `createGatewayMetrics()` call, never prom-client's global default: tests start
 * several servers in one process, and each must count only its own traffic.
 *
 * Where each call belongs in the pipeline (auth → admit → route → dispatch → meter → settle):
 *
 *   handler.ts           obs = metrics.requestStarted({ endpoint })     on entry, before auth
 *                        obs.finished({ http_status })                   on the response's 'close' (handler does this)
 *   proxy-completion.ts  obs.routed({ model, machine_id })              once the router picked an offer
 *                        obs.dispatched()                               just before the signed request to the agent
 *                        obs.firstToken()                               first content byte to the buyer (stream), or
 *                                                                       headers of a non-streamed answer
 *                        obs.outcome("failed" | "aborted" | …)          when the pipeline knows better than the
 *                                                                       HTTP status (a 200 stream that failed midway)
 *                        metrics.failover({ from_machine, reason })     each time a request is re-dispatched elsewhere
 *                        metrics.providerError({ machine_id, reason })  each failed attempt against a machine
 *   settlement batcher   metrics.setSettlementQueueDepth(n)             after each enqueue/flush, or
 *                        metrics.observeSettlementQueueDepth(() => n)   once: read at scrape time
 *                        metrics.settlementFlushed({ batch_size, duration_s, ok })  after each batch write
 *
 * All durations are seconds (Prometheus convention); timing uses a monotonic clock.
 */

export type GatewayEndpoint = "chat.completions" | "completions" | "models" | "other";

/**
 * How a request ended, from the buyer's point of view:
 * - completed: answered in full;
 * - rejected: refused before dispatch (bad key, invalid body, unknown model, no balance, no provider);
 * - failed: dispatched but the provider (or the gateway) failed; the buyer is not billed;
 * - aborted: the buyer went away before the end (billed for the slot time held).
 */
export type RequestStatus = "completed" | "rejected" | "failed" | "aborted";

/** Why a provider attempt failed; small and closed so label cardinality stays bounded. */
export type ProviderErrorReason = "connect" | "headers_timeout" | "http_4xx" | "http_5xx" | "bad_body" | "stream_failed" | "stream_stalled" | "other";

export type FailoverReason = ProviderErrorReason | "queue_full" | "draining";

/** A handle on one request's metrics; every method is safe to call more than once (first call wins). */
export type RequestObservation = {
  /** The market the request was routed to. Until called, the model label is `unknown`. */
  routed(labels: { model: string; machine_id?: string }): void;
  /** Just before the signed request leaves for the agent: the gateway's own overhead ends here. */
  dispatched(): void;
  /** The first generated token reached the buyer (or the whole answer, when not streamed). */
  firstToken(): void;
  /** Overrides the status derived from the HTTP status in `finished` (e.g. a 200 stream that failed). */
  outcome(status: RequestStatus): void;
  /** The response closed (finished or torn down). Decrements in-flight; counts and times the request. */
  finished(labels: { http_status: number; status?: RequestStatus }): void;
};

export type GatewayMetrics = {
  registry: Registry;
  /** `content-type` of `registry.metrics()` output. */
  contentType: string;
  requestStarted(labels: { endpoint: GatewayEndpoint }): RequestObservation;
  failover(labels: { from_machine: string; reason: FailoverReason }): void;
  providerError(labels: { machine_id: string; reason: ProviderErrorReason }): void;
  setSettlementQueueDepth(depth: number): void;
  /** Reads the depth at scrape time instead; replaces any earlier reader. */
  observeSettlementQueueDepth(read: () => number): void;
  settlementFlushed(labels: { batch_size: number; duration_s: number; ok: boolean }): void;
  /** Reads open settlement dead letters (count, held nano-USD) at scrape time. */
  observeDeadLetters(read: () => Promise<{ count: number; amount_nanos: bigint }>): void;
  /** Reads stored Stripe webhook events by status (received, processed, ignored, failed) at scrape time. */
  observeStripeEvents(read: () => Promise<Record<string, number>>): void;
  /** The Prometheus text exposition of this registry. */
  render(): Promise<string>;
};

/**
 * Buckets in seconds. LLM requests run from well under a second (short answers on a fast GPU) to
 * minutes (long generations); TTFT from tens of ms to tens of seconds under queueing; the gateway's
 * own overhead (entry → dispatch) is expected in the 50 µs – 5 ms range, so it gets sub-ms buckets.
 */
export const DURATION_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
export const TTFT_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 20, 30, 60];
export const OVERHEAD_BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const SETTLEMENT_FLUSH_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Labels beyond this many distinct models collapse into `other` (model ids come from buyers' requests). */
const DEFAULT_MAX_MODEL_LABELS = 256;

export type GatewayMetricsOptions = {
  /** Also export Node's process metrics (CPU, memory, event-loop lag, GC). Default true. */
  processMetrics?: boolean;
  /** Monotonic clock in milliseconds; injectable for tests. */
  now_ms?: () => number;
  maxModelLabels?: number;
  prefix?: string;
};

export function createGatewayMetrics(opts: GatewayMetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const p = opts.prefix ?? "spotlane_";
  const now_ms = opts.now_ms ?? (() => performance.now());
  const maxModels = opts.maxModelLabels ?? DEFAULT_MAX_MODEL_LABELS;
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p });

  const requests = new Counter({
    name: `${p}gateway_requests_total`,
    help: "Requests to /v1 by endpoint, routed model, outcome and HTTP status.",
    labelNames: ["endpoint", "model", "status", "http_status"] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${p}gateway_request_duration_seconds`,
    help: "Wall time from a request's arrival to its response's close, seconds.",
    labelNames: ["endpoint", "model", "status"] as const,
    buckets: DURATION_BUCKETS_S,
    registers,
  });
  const ttft = new Histogram({
    name: `${p}gateway_ttft_seconds`,
    help: "Time from a request's arrival to its first token reaching the buyer, seconds.",
    labelNames: ["endpoint", "model"] as const,
    buckets: TTFT_BUCKETS_S,
    registers,
  });
  const overhead = new Histogram({
    name: `${p}gateway_overhead_seconds`,
    help: "The gateway's own time before dispatch (auth, validation, routing, admission), seconds.",
    labelNames: ["endpoint"] as const,
    buckets: OVERHEAD_BUCKETS_S,
    registers,
  });
  const inflight = new Gauge({
    name: `${p}gateway_requests_in_flight`,
    help: "Requests currently being handled by this process.",
    labelNames: ["endpoint"] as const,
    registers,
  });
  const failovers = new Counter({
    name: `${p}gateway_failovers_total`,
    help: "Requests re-dispatched to another provider, by the machine that failed and why.",
    labelNames: ["from_machine", "reason"] as const,
    registers,
  });
  const providerErrors = new Counter({
    name: `${p}gateway_provider_errors_total`,
    help: "Failed attempts against a provider machine, by machine and reason.",
    labelNames: ["machine_id", "reason"] as const,
    registers,
  });
  let readQueueDepth: (() => number) | null = null;
  const queueDepth = new Gauge({
    name: `${p}settlement_queue_depth`,
    help: "Finished requests waiting to be settled in the ledger.",
    registers,
    collect() {
      if (readQueueDepth) this.set(readQueueDepth());
    },
  });
  // Settlements the ledger refused: each one is money held and not yet posted, so operators alert on > 0.
  // Both gauges are filled from one read per scrape (prom-client collects metrics concurrently).
  let readDeadLetters: (() => Promise<{ count: number; amount_nanos: bigint }>) | null = null;
  let deadLetterRead: { at_ms: number; result: Promise<{ count: number; amount_nanos: bigint } | null> } | null = null;
  const readDeadLettersOnce = () => {
    if (!readDeadLetters) return Promise.resolve(null);
    const now_ms = performance.now();
    if (!deadLetterRead || now_ms - deadLetterRead.at_ms > 100) deadLetterRead = { at_ms: now_ms, result: readDeadLetters().catch(() => null) };
    return deadLetterRead.result;
  };
  new Gauge({
    name: `${p}settlement_dead_letters`,
    help: "Open settlement dead letters (settlements the ledger refused; replay with npm run settlements:replay).",
    registers,
    async collect() {
      const open = await readDeadLettersOnce();
      if (open) this.set(open.count);
    },
  });
  new Gauge({
    name: `${p}settlement_dead_letter_held_nanos`,
    help: "Nano-USD held by open settlement dead letters.",
    registers,
    async collect() {
      const open = await readDeadLettersOnce();
      // Prometheus samples are floats: an approximate amount is what an alert needs; the ledger has the exact one.
      if (open) this.set(Number(open.amount_nanos));
    },
  });
  // Failed webhook events are money Stripe says moved and the ledger has not seen: operators alert on failed > 0.
  let readStripeEvents: (() => Promise<Record<string, number>>) | null = null;
  new Gauge({
    name: `${p}stripe_events`,
    help: "Stored Stripe webhook events by status (failed: retries ran out; retry them on the Operations page).",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const counts = readStripeEvents ? await readStripeEvents().catch(() => null) : null;
      if (counts) for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  const flushes = new Counter({
    name: `${p}settlement_flushes_total`,
    help: "Settlement batches written, by result.",
    labelNames: ["result"] as const,
    registers,
  });
  const flushed = new Counter({ name: `${p}settlement_requests_flushed_total`, help: "Requests settled through batches.", registers });
  const flushDuration = new Histogram({
    name: `${p}settlement_flush_duration_seconds`,
    help: "Time to write one settlement batch, seconds.",
    buckets: SETTLEMENT_FLUSH_BUCKETS_S,
    registers,
  });

  const knownModels = new Set<string>();
  const modelLabel = (model: string): string => {
    if (knownModels.has(model)) return model;
    if (knownModels.size >= maxModels) return "other";
    knownModels.add(model);
    return model;
  };
  const statusFor = (http_status: number): RequestStatus => (http_status < 400 ? "completed" : http_status >= 500 ? "failed" : "rejected");

  return {
    registry,
    contentType: registry.contentType,
    requestStarted({ endpoint }) {
      const started = now_ms();
      let model = "unknown";
      let routed = false;
      let dispatched = false;
      let sawFirstToken = false;
      let status: RequestStatus | null = null;
      let done = false;
      inflight.inc({ endpoint });
      return {
        routed(labels) {
          if (routed) return;
          routed = true;
          model = modelLabel(labels.model);
        },
        dispatched() {
          if (dispatched) return;
          dispatched = true;
          overhead.observe({ endpoint }, (now_ms() - started) / 1000);
        },
        firstToken() {
          if (sawFirstToken) return;
          sawFirstToken = true;
          ttft.observe({ endpoint, model }, (now_ms() - started) / 1000);
        },
        outcome(s) {
          status ??= s;
        },
        finished(labels) {
          if (done) return;
          done = true;
          inflight.dec({ endpoint });
          const final = status ?? labels.status ?? statusFor(labels.http_status);
          requests.inc({ endpoint, model, status: final, http_status: String(labels.http_status) });
          duration.observe({ endpoint, model, status: final }, (now_ms() - started) / 1000);
        },
      };
    },
    failover(labels) {
      failovers.inc(labels);
    },
    providerError(labels) {
      providerErrors.inc(labels);
    },
    setSettlementQueueDepth(depth) {
      queueDepth.set(depth);
    },
    observeSettlementQueueDepth(read) {
      readQueueDepth = read;
    },
    settlementFlushed({ batch_size, duration_s, ok }) {
      flushes.inc({ result: ok ? "ok" : "error" });
      if (ok) flushed.inc(batch_size);
      flushDuration.observe(duration_s);
    },
    observeDeadLetters(read) {
      readDeadLetters = read;
    },
    observeStripeEvents(read) {
      readStripeEvents = read;
    },
    render: () => registry.metrics(),
  };
}

/**
 * Finishes `obs` when `res` closes. A response that closed before it was fully written is
 * `aborted` (the buyer went away), unless the pipeline already said otherwise.
 */
export function finishOnClose(obs: RequestObservation, res: ServerResponse): void {
  res.once("close", () => obs.finished({ http_status: res.statusCode, status: res.writableFinished ? undefined : "aborted" }));
}

/** Serves the registry as Prometheus text; `GET /metrics` in server/main.ts. */
export async function sendMetrics(metrics: GatewayMetrics, res: ServerResponse): Promise<void> {
  const body = await metrics.render();
  res.writeHead(200, { "content-type": metrics.contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}
