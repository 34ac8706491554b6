import type { ServerResponse } from "node:http";
import { nanosToUsdString } from "../../lib/money";
import { parseServedMs, SERVED_MS_HEADER, SERVED_MS_USAGE_FIELD } from "../../lib/wire/metering";
import type { RequestOutcome } from "../billing/request-outcome";
import type { UpstreamResponse } from "../http/dispatch";
import { ServiceError } from "../errors";
import type { RequestObservation } from "./metrics";
import { MAX_UPSTREAM_BODY_BYTES, readCapped } from "../http/read-capped";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../http/read-body";
import { responseShapes, tokenUsage, type TokenUsage } from "../../lib/wire/openai";
import { SseSplitter } from "../../lib/wire/sse";

export type Usage = TokenUsage;

/** What the relay saw of one request, for metering (server/billing/meter.ts). */
export type FinishInput = {
  status: RequestOutcome["status"];
  errorCode: string | null;
  /** As the provider reported it; null when it did not. */
  usage: Usage | null;
  ttft_ms: number | null;
  /** Defaults to dispatch → now (the last byte). */
  compute_ms?: number;
  /** Slot time the agent reported (lib/wire/metering.ts); null when it did not. */
  served_ms: number | null;
  /** Dispatch → the first output relayed; null when not observable (a whole JSON answer); undefined: nothing was relayed. */
  first_output_ms?: number | null;
  /** Output events relayed to the buyer. */
  relayed_events: number;
};
/** Meters the outcome and records it durably; returns what it costs and the time billed. */
export type Finish = (f: FinishInput) => { cost_nanos: bigint; billed_ms: number };

export type RelayContext = {
  res: ServerResponse;
  headers: Record<string, string>;
  finish: Finish;
  elapsed: () => number;
  clientGone: () => boolean;
  /** True once the request ran past what its hold covers and the gateway hung up on the provider. */
  stopped: () => boolean;
  /** For the closing chunk of a stopped stream. */
  endpoint: "chat.completions" | "completions";
  model: string;
  requestId: string;
  obs?: RequestObservation;
};

/** The provider's usage with the agent's served-time figure taken out (the buyer never sees it). */
function parseUsage(raw: unknown): { usage: (Usage & Record<string, unknown>) | null; served_ms: number | null } {
  const parsed = tokenUsage.safeParse(raw);
  if (!parsed.success) return { usage: null, served_ms: null };
  const { [SERVED_MS_USAGE_FIELD]: served, ...usage } = parsed.data as Usage & Record<string, unknown>;
  return { usage, served_ms: parseServedMs(served) };
}

/**
 * `cost_nanos` (exact, a decimal string) is the figure of record; `cost` repeats it in USD as a JSON number
 * because that is what OpenAI-style clients and dashboards read (exact for any single request's size).
 * `compute_ms` is what the gateway measured, `billed_ms` what was paid for.
 */
function withCost(usage: Usage, cost_nanos: bigint, compute_ms: number, billed_ms: number) {
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens, cost: Number(nanosToUsdString(cost_nanos)), cost_nanos: String(cost_nanos), compute_ms, billed_ms };
}

const HOLD_EXHAUSTED = "The provider did not finish within the slot time your hold covers, so the gateway stopped it.";

/** Non-streaming: the agent's JSON, with `usage.cost` added once the request is metered. */
export async function relayJson(upstream: UpstreamResponse, ctx: RelayContext): Promise<void> {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(await readCapped(upstream.body, MAX_UPSTREAM_BODY_BYTES)) as Record<string, unknown>;
    // A hostile provider's JSON is checked like a buyer's: an object, and shallow enough to re-serialize.
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw new Error("not a JSON object");
    if (nestsDeeperThan(payload, MAX_JSON_DEPTH)) throw new Error(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  } catch (err) {
    const gone = ctx.clientGone();
    const errorCode = gone ? "client_disconnected" : ctx.stopped() ? "hold_exhausted" : "upstream_bad_body";
    ctx.finish({ status: gone ? "aborted" : "failed", errorCode, usage: null, ttft_ms: null, served_ms: null, relayed_events: 0 });
    if (errorCode === "hold_exhausted") throw new ServiceError("upstream_error", `${HOLD_EXHAUSTED} You were not charged.`, { code: "hold_exhausted" });
    throw new ServiceError("upstream_error", `The provider's answer was cut off or malformed (${(err as Error).message}). You were not charged.`);
  }
  const { usage: reported, served_ms } = parseUsage(payload.usage);
  const compute_ms = ctx.elapsed();
  const { cost_nanos, billed_ms } = ctx.finish({ status: "completed", errorCode: null, usage: reported, ttft_ms: null, compute_ms, served_ms: served_ms ?? parseServedMs(upstream.headers[SERVED_MS_HEADER]), first_output_ms: null, relayed_events: 0 });
  const out = JSON.stringify({ ...payload, usage: withCost(reported ?? { prompt_tokens: 0, completion_tokens: 0 }, cost_nanos, compute_ms, billed_ms) });
  ctx.obs?.firstToken();
  ctx.res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out), "x-spotlane-compute-ms": String(compute_ms), ...ctx.headers });
  ctx.res.end(out);
}

/** The chunk that closes a stream the gateway stopped at the hold: OpenAI's "length" (the answer was cut short). */
function lengthChunk(ctx: RelayContext) {
  const kind = ctx.endpoint === "chat.completions" ? "chat" : "completion";
  return responseShapes(kind, ctx.model, ctx.requestId, Math.floor(Date.now() / 1000)).chunk({}, "length");
}

/**
 * Streaming: SSE bytes pass through as they arrive; only chunks mentioning usage or error are parsed.
 * The engine is always asked for usage (metering needs it); the client sees the usage chunk, with
 * cost added, only if it asked. A provider failing mid-stream ends the stream with an error event; one
 * running past the hold is cut off with finish_reason "length".
 */
export async function relayStream(upstream: UpstreamResponse, wantsUsage: boolean, ctx: RelayContext): Promise<void> {
  const { res } = ctx;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no", ...ctx.headers });
  res.flushHeaders();
  const splitter = new SseSplitter();
  let usage: Usage | null = null;
  let served_ms: number | null = null;
  let usageChunk: Record<string, unknown> | null = null;
  let ttft_ms: number | null = null;
  let relayed_events = 0;
  let sawDone = false;
  let upstreamError: string | null = null;
  try {
    for await (const bytes of upstream.body) {
      for (const data of splitter.pushData(bytes)) {
        if (data === "[DONE]") {
          sawDone = true;
          continue;
        }
        if (data.includes('"usage"') || data.includes('"error"')) {
          const chunk = JSON.parse(data) as Record<string, unknown>;
          if (chunk.error) {
            upstreamError = JSON.stringify(chunk.error).slice(0, 300);
            continue;
          }
          const parsed = parseUsage(chunk.usage);
          if (parsed.usage) {
            usage = parsed.usage;
            served_ms = parsed.served_ms;
            delete chunk.usage;
            usageChunk = chunk;
            if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) continue;
            res.write(`data: ${JSON.stringify(chunk)}\n\n`);
            relayed_events++;
            continue;
          }
        }
        if (ttft_ms === null) {
          ttft_ms = ctx.elapsed();
          ctx.obs?.firstToken();
        }
        res.write(`data: ${data}\n\n`);
        relayed_events++;
      }
    }
  } catch (err) {
    if (!ctx.clientGone() && !ctx.stopped()) upstreamError = (err as Error).message;
  }

  const seen = { ttft_ms, served_ms, relayed_events, first_output_ms: ttft_ms ?? undefined };
  if (ctx.clientGone()) {
    ctx.finish({ status: "aborted", errorCode: "client_disconnected", usage, ...seen });
    return;
  }
  const stopped = ctx.stopped() && !sawDone;
  if (upstreamError !== null || (!sawDone && !(stopped && ttft_ms !== null))) {
    ctx.finish({ status: "failed", errorCode: stopped ? "hold_exhausted" : "provider_stream_failed", usage, ...seen });
    ctx.obs?.outcome("failed");
    const message = stopped ? `${HOLD_EXHAUSTED} You were not charged.` : `The provider failed mid-stream (${upstreamError ?? "stream ended early"}). You were not charged for this request.`;
    res.end(`data: ${JSON.stringify({ error: { message, type: "server_error", param: null, code: stopped ? "hold_exhausted" : "provider_stream_failed" } })}\n\n`);
    return;
  }
  const compute_ms = ctx.elapsed();
  const { cost_nanos, billed_ms } = ctx.finish({ status: "completed", errorCode: stopped ? "hold_exhausted" : null, usage, compute_ms, ...seen });
  if (stopped) res.write(`data: ${JSON.stringify(lengthChunk(ctx))}\n\n`);
  if (wantsUsage) {
    const chunk = { ...(usageChunk ?? { object: "chat.completion.chunk", choices: [] }), choices: [], usage: withCost(usage ?? { prompt_tokens: 0, completion_tokens: 0 }, cost_nanos, compute_ms, billed_ms) };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  res.end("data: [DONE]\n\n");
}
