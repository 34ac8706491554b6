import { requestCostNanos } from "../../lib/money";
import type { Candidate, Prediction, RequestShape } from "./types";

/** Time parts of a prediction, in ms: cheap floats, computed for every candidate that passes the gates. */
export type Timing = { ttft_ms: number; hold_ms: number };

/**
 * Predicted time to first token and slot hold for one request on one candidate:
 * TTFT = RTT + queue wait + engine base + prompt tokens ÷ prefill rate; hold = base + prefill + max tokens ÷ decode rate.
 * Queue wait assumes the engine serves its queue FIFO across `slots` streams of similar holds.
 */
export function predictTiming(c: Candidate, req: RequestShape): Timing {
  const prefill_ms = (req.prompt_tokens * 1000) / Math.max(c.prefill_tokens_per_second, 1e-6);
  const decode_ms = (req.max_tokens * 1000) / Math.max(c.decode_tokens_per_second, 1e-6);
  const service_ms = c.base_ttft_ms + prefill_ms + decode_ms;
  const waiting = Math.max(0, c.inflight - c.slots + 1);
  const queue_ms = (waiting * service_ms) / c.slots;
  return { ttft_ms: c.rtt_ms + queue_ms + c.base_ttft_ms + prefill_ms, hold_ms: Math.ceil(service_ms) };
}

/** The full prediction with its exact cost in nano-USD (computed only for candidates that are returned). */
export function predict(c: Candidate, req: RequestShape, price_nanos_per_second: bigint): Prediction {
  const t = predictTiming(c, req);
  return { price_nanos_per_second, ttft_ms: t.ttft_ms, hold_ms: t.hold_ms, cost_nanos: requestCostNanos(price_nanos_per_second, t.hold_ms) };
}
