import type { IncomingMessage, ServerResponse } from "node:http";
import { newId } from "../../lib/ids";
import { nanosToUsdString } from "../../lib/money";
import { releaseReservation, settleRequest, type RequestOutcome } from "../billing/settle-request";
import { reserveFunds } from "../billing/reserve-funds";
import { ServiceError } from "../errors";
import { bidToNanos, holdAmountNanos, routeRequest } from "./admit";
import type { GatewayDeps } from "./deps";
import { dispatchToAgent } from "./dispatch";
import { sendOpenAIError } from "./openai-errors";
import { parseJsonBody, readBody } from "./read-body";
import { chatCompletionRequest, completionRequest, upstreamUsage } from "./schemas";
import { eventData, SseSplitter } from "./sse";

type Endpoint = "chat.completions" | "completions";
const UPSTREAM_PATH: Record<Endpoint, string> = { "chat.completions": "/v1/chat/completions", completions: "/v1/completions" };

type Usage = { prompt_tokens: number; completion_tokens: number };

/** auth → validate → route → reserve → dispatch (signed HTTP to the agent) → meter → settle. */
export async function proxyCompletion(deps: GatewayDeps, endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = await deps.keys.resolve(req.headers.authorization);
  const raw = await readBody(req);
  const body = endpoint === "chat.completions" ? parseJsonBody(raw, chatCompletionRequest) : parseJsonBody(raw, completionRequest);
  const max_tokens = (endpoint === "chat.completions" ? (body as { max_completion_tokens?: number | null }).max_completion_tokens : undefined) ?? body.max_tokens;

  const { offer, price_nanos_per_second } = await routeRequest(deps, { modelId: body.model, max_price_nanos_per_second: bidToNanos(body.spotlane?.max_price_per_second) });
  const requestId = newId("request");
  await reserveFunds(deps.services, { organizationId: key.organizationId, requestId, amount_nanos: holdAmountNanos(offer, price_nanos_per_second, max_tokens) });

  const { spotlane: _prefs, ...forward } = body;
  const clientWantsUsage = body.stream && body.stream_options?.include_usage === true;
  // Streams always ask the engine for usage: metering needs the token counts even when the client does not.
  const upstreamBody = JSON.stringify(body.stream ? { ...forward, stream_options: { ...(body.stream_options ?? {}), include_usage: true } } : forward);

  const base: Omit<RequestOutcome, "status" | "errorCode" | "compute_ms" | "ttft_ms" | "prompt_tokens" | "completion_tokens" | "completedAt"> = {
    requestId,
    organizationId: key.organizationId,
    apiKeyId: key.apiKeyId,
    offerId: offer.offerId,
    machineId: offer.machineId,
    providerOrganizationId: offer.providerOrganizationId,
    modelId: offer.modelId,
    hardwareClass: offer.hardwareClass,
    endpoint,
    stream: body.stream,
    price_nanos_per_second,
    dispatchedAt: deps.services.now(),
  };
  const headers = {
    "x-spotlane-request-id": requestId,
    "x-spotlane-provider": offer.machineId,
    "x-spotlane-market": `${offer.modelId}@${offer.hardwareClass}`,
    "x-spotlane-price-nanos-per-second": String(price_nanos_per_second),
  };

  const abort = new AbortController();
  let clientGone = false;
  res.on("close", () => {
    if (!res.writableFinished) {
      clientGone = true;
      abort.abort();
    }
  });

  deps.inflight.set(offer.offerId, (deps.inflight.get(offer.offerId) ?? 0) + 1);
  const dispatch_ms = performance.now();
  const elapsed = () => Math.max(0, Math.round(performance.now() - dispatch_ms));
  const finish: Finish = async (status, errorCode, usage, ttft_ms, compute_ms = elapsed()) =>
    settleRequest(deps.services, {
      ...base,
      status,
      errorCode,
      compute_ms,
      ttft_ms,
      prompt_tokens: usage?.prompt_tokens ?? 0,
      completion_tokens: usage?.completion_tokens ?? 0,
      completedAt: deps.services.now(),
    });

  try {
    let upstream: Response;
    try {
      upstream = await dispatchToAgent(offer, { path: UPSTREAM_PATH[endpoint], body: upstreamBody, nonce: requestId, signal: abort.signal, headers_timeout_ms: deps.upstream_headers_timeout_ms });
    } catch (err) {
      await releaseReservation(deps.services, requestId);
      if (clientGone) return;
      throw new ServiceError("no_provider_available", `The provider for '${offer.modelId}' could not be reached (${(err as Error).message}). Retry shortly.`);
    }
    if (!upstream.ok) {
      const text = await upstream.text().catch(() => "");
      await finish("failed", `upstream_${upstream.status}`, null, null);
      throw new ServiceError("upstream_error", `The provider answered ${upstream.status}: ${text.slice(0, 300)}`);
    }
    if (body.stream) await streamResponse(upstream, res, headers, clientWantsUsage, () => clientGone, finish, elapsed);
    else await jsonResponse(upstream, res, headers, finish, elapsed);
  } finally {
    deps.inflight.set(offer.offerId, Math.max(0, (deps.inflight.get(offer.offerId) ?? 1) - 1));
  }
}

type Finish = (status: RequestOutcome["status"], errorCode: string | null, usage: Usage | null, ttft_ms: number | null, compute_ms?: number) => Promise<{ cost_nanos: bigint }>;

function withCost(usage: Usage, cost_nanos: bigint, compute_ms: number) {
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens, cost: Number(nanosToUsdString(cost_nanos)), cost_nanos: String(cost_nanos), compute_ms };
}

async function jsonResponse(upstream: Response, res: ServerResponse, headers: Record<string, string>, finish: Finish, elapsed: () => number) {
  let payload: Record<string, unknown>;
  try {
    payload = (await upstream.json()) as Record<string, unknown>;
  } catch (err) {
    await finish(res.destroyed ? "aborted" : "failed", "upstream_bad_body", null, null);
    throw new ServiceError("upstream_error", `The provider's answer was cut off or malformed (${(err as Error).message}).`);
  }
  const parsedUsage = upstreamUsage.safeParse(payload.usage);
  const usage = parsedUsage.success ? parsedUsage.data : { prompt_tokens: 0, completion_tokens: 0 };
  const compute_ms = elapsed();
  const { cost_nanos } = await finish("completed", null, usage, null, compute_ms);
  const out = JSON.stringify({ ...payload, usage: withCost(usage, cost_nanos, compute_ms) });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out), "x-spotlane-compute-ms": String(compute_ms), ...headers });
  res.end(out);
}

async function streamResponse(
  upstream: Response,
  res: ServerResponse,
  headers: Record<string, string>,
  clientWantsUsage: boolean,
  clientGone: () => boolean,
  finish: Finish,
  elapsed: () => number,
) {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no", ...headers });
  res.flushHeaders();
  const splitter = new SseSplitter();
  let usage: Usage | null = null;
  let usageChunk: Record<string, unknown> | null = null;
  let ttft_ms: number | null = null;
  let sawDone = false;
  let upstreamError: string | null = null;
  try {
    for await (const bytes of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      for (const event of splitter.push(bytes)) {
        const data = eventData(event);
        if (data === null) continue;
        if (data === "[DONE]") {
          sawDone = true;
          continue;
        }
        // Only chunks that mention usage or error need parsing; the rest pass through as bytes.
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
        if (ttft_ms === null) ttft_ms = elapsed();
        res.write(`data: ${data}\n\n`);
      }
    }
  } catch (err) {
    if (!clientGone()) upstreamError = (err as Error).message;
  }

  if (clientGone()) {
    await finish("aborted", "client_disconnected", usage, ttft_ms);
    return;
  }
  if (upstreamError !== null || !sawDone) {
    await finish("failed", "provider_stream_failed", usage, ttft_ms);
    // The provider died mid-stream: the buyer is not billed and is told in OpenAI's error-event shape.
    const message = `The provider failed mid-stream (${upstreamError ?? "stream ended early"}). You were not charged for this request.`;
    res.end(`data: ${JSON.stringify({ error: { message, type: "server_error", param: null, code: "provider_stream_failed" } })}\n\n`);
    return;
  }
  const compute_ms = elapsed();
  const { cost_nanos } = await finish("completed", null, usage, ttft_ms, compute_ms);
  if (clientWantsUsage) {
    const chunk = { ...(usageChunk ?? { object: "chat.completion.chunk", choices: [] }), choices: [], usage: withCost(usage ?? { prompt_tokens: 0, completion_tokens: 0 }, cost_nanos, compute_ms) };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  res.end("data: [DONE]\n\n");
}
