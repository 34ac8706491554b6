import type { ServerResponse } from "node:http";
import { nanosToUsdString } from "../../lib/money";
import type { RequestOutcome } from "../billing/request-outcome";
import type { UpstreamResponse } from "./dispatch";
import { ServiceError } from "../errors";
import type { RequestObservation } from "./metrics";
import { upstreamUsage } from "./schemas";
import { eventData, SseSplitter } from "./sse";

export type Usage = { prompt_tokens: number; completion_tokens: number };
/** Records the outcome durably and returns its cost; `compute_ms` defaults to dispatch → now (the last byte). */
export type Finish = (status: RequestOutcome["status"], errorCode: string | null, usage: Usage | null, ttft_ms: number | null, compute_ms?: number) => bigint;

export type RelayContext = {
  res: ServerResponse;
  headers: Record<string, string>;
  finish: Finish;
  elapsed: () => number;
  clientGone: () => boolean;
  obs?: RequestObservation;
};

/**
 * `cost_nanos` (exact, a decimal string) is the figure of record; `cost` repeats it in USD as a JSON number
 * because that is what OpenAI-style clients and dashboards read (exact for any single request's size).
 */
function withCost(usage: Usage, cost_nanos: bigint, compute_ms: number) {
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens, cost: Number(nanosToUsdString(cost_nanos)), cost_nanos: String(cost_nanos), compute_ms };
}

/** Non-streaming: the agent's JSON, with `usage.cost` added once the request is metered. */
export async function relayJson(upstream: UpstreamResponse, ctx: RelayContext): Promise<void> {
  let payload: Record<string, unknown>;
  try {
    payload = (await upstream.json()) as Record<string, unknown>;
  } catch (err) {
    ctx.finish(ctx.clientGone() ? "aborted" : "failed", ctx.clientGone() ? "client_disconnected" : "upstream_bad_body", null, null);
    throw new ServiceError("upstream_error", `The provider's answer was cut off or malformed (${(err as Error).message}). You were not charged.`);
  }
  const parsed = upstreamUsage.safeParse(payload.usage);
  const usage = parsed.success ? parsed.data : { prompt_tokens: 0, completion_tokens: 0 };
  const compute_ms = ctx.elapsed();
  const cost_nanos = ctx.finish("completed", null, usage, null, compute_ms);
  const out = JSON.stringify({ ...payload, usage: withCost(usage, cost_nanos, compute_ms) });
  ctx.obs?.firstToken();
  ctx.res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out), "x-spotlane-compute-ms": String(compute_ms), ...ctx.headers });
  ctx.res.end(out);
}

/**
 * Streaming: SSE bytes pass through as they arrive; only chunks mentioning usage or error are parsed.
 * The engine is always asked for usage (metering needs it); the client sees the usage chunk, with
 * cost added, only if it asked. A provider failing mid-stream ends the stream with an error event.
 */
export async function relayStream(upstream: UpstreamResponse, wantsUsage: boolean, ctx: RelayContext): Promise<void> {
  const { res } = ctx;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no", ...ctx.headers });
  res.flushHeaders();
  const splitter = new SseSplitter();
  let usage: Usage | null = null;
  let usageChunk: Record<string, unknown> | null = null;
  let ttft_ms: number | null = null;
  let sawDone = false;
  let upstreamError: string | null = null;
  try {
    for await (const bytes of upstream.body) {
      for (const event of splitter.push(bytes)) {
        const data = eventData(event);
        if (data === null) continue;
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
          const u = upstreamUsage.safeParse(chunk.usage);
          if (u.success) {
            usage = u.data;
            usageChunk = chunk;
            if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) continue;
            delete chunk.usage;
            res.write(`data: ${JSON.stringify(chunk)}\n\n`);
            continue;
          }
        }
        if (ttft_ms === null) {
          ttft_ms = ctx.elapsed();
          ctx.obs?.firstToken();
        }
        res.write(`data: ${data}\n\n`);
      }
    }
  } catch (err) {
    if (!ctx.clientGone()) upstreamError = (err as Error).message;
  }

  if (ctx.clientGone()) {
    ctx.finish("aborted", "client_disconnected", usage, ttft_ms);
    return;
  }
  if (upstreamError !== null || !sawDone) {
    ctx.finish("failed", "provider_stream_failed", usage, ttft_ms);
    ctx.obs?.outcome("failed");
    const message = `The provider failed mid-stream (${upstreamError ?? "stream ended early"}). You were not charged for this request.`;
    res.end(`data: ${JSON.stringify({ error: { message, type: "server_error", param: null, code: "provider_stream_failed" } })}\n\n`);
    return;
  }
  const compute_ms = ctx.elapsed();
  const cost_nanos = ctx.finish("completed", null, usage, ttft_ms, compute_ms);
  if (wantsUsage) {
    const chunk = { ...(usageChunk ?? { object: "chat.completion.chunk", choices: [] }), choices: [], usage: withCost(usage ?? { prompt_tokens: 0, completion_tokens: 0 }, cost_nanos, compute_ms) };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  res.end("data: [DONE]\n\n");
}
