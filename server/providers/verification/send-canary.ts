import { createHash } from "node:crypto";
import { newId } from "../../../lib/ids";
import { dispatchFailure, dispatchToAgent, type DispatchTarget, type UpstreamResponse } from "../../http/dispatch";
import type { EndpointPolicy } from "../../http/endpoint-policy";
import { BodyTooLarge, readCapped } from "../../http/read-capped";
import { chunkText, tokenUsage, type StreamChunk, type TokenUsage } from "../../../lib/wire/openai";
import { SseSplitter } from "../../../lib/wire/sse";
import { CANARY_PATH, canaryUpstreamBody, type CanaryPrompt } from "./prompts";
import { decodeRate } from "./statistics";

/** What one canary measured, from the marketplace's side of the wire. */
export type CanaryMeasurement = {
  /** The `req_` nonce the agent saw. */
  requestId: string;
  at: Date;
  ok: boolean;
  error: string | null;
  /** Streamed (SSE) or one JSON answer. */
  stream: boolean;
  /** Null for a non-streamed canary: one answer has no first token to time. */
  ttft_ms: number | null;
  duration_ms: number | null;
  decode_tokens_per_second: number | null;
  prefill_tokens_per_second: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  output_sha256: string | null;
  /** performance.now() of the first text and of the last byte (not stored: a full-load probe's span is computed from them). */
  first_output_ms: number | null;
  last_byte_ms: number | null;
};

type SendInput = {
  modelId: string;
  prompt: CanaryPrompt;
  max_tokens: number;
  /** Default true. */
  stream?: boolean;
  /** The most the answer may be, bytes (a hostile agent must not make the worker buffer a huge body). */
  max_response_bytes: number;
  headers_timeout_ms: number;
  total_timeout_ms: number;
  signal?: AbortSignal;
  now: () => Date;
  policy?: EndpointPolicy;
};

type Usage = TokenUsage;

/** Usage an engine could really have reported for this canary: whole tokens, a prompt, at most max_tokens generated. */
function plausibleUsage(u: unknown, max_tokens: number): Usage | null {
  const parsed = tokenUsage.safeParse(u);
  if (!parsed.success) return null;
  const { prompt_tokens, completion_tokens } = parsed.data;
  if (prompt_tokens < 1 || completion_tokens > max_tokens) return null;
  return { prompt_tokens, completion_tokens };
}

/**
 * Sends one canary through `dispatchToAgent` — the same signed POST, path, headers and body shape as
 * a buyer's completion in the same mode, with a fresh `req_` nonce — and times it. Both modes check
 * the answer's shape and usage; the text is hashed the same way in both (a greedy answer is the same
 * text whether streamed or not). Nothing is reserved, metered or settled: canaries are never billed.
 */
export async function sendCanary(target: DispatchTarget, input: SendInput): Promise<CanaryMeasurement> {
  const stream = input.stream ?? true;
  const requestId = newId("request");
  const at = input.now();
  const body = canaryUpstreamBody({ modelId: input.modelId, prompt: input.prompt.prompt, max_tokens: input.max_tokens, stream });
  const signal = AbortSignal.any([AbortSignal.timeout(input.total_timeout_ms), ...(input.signal ? [input.signal] : [])]);
  const failed = (error: string, extra: Partial<CanaryMeasurement> = {}): CanaryMeasurement => ({
    requestId,
    at,
    ok: false,
    error,
    stream,
    ttft_ms: null,
    duration_ms: null,
    decode_tokens_per_second: null,
    prefill_tokens_per_second: null,
    prompt_tokens: null,
    completion_tokens: null,
    output_sha256: null,
    first_output_ms: null,
    last_byte_ms: null,
    ...extra,
  });

  const start = performance.now();
  // Rates use the unrounded times: a tiny model decodes 32 tokens in ~20 ms.
  const elapsed = () => Math.max(0, performance.now() - start);
  let upstream: UpstreamResponse;
  try {
    upstream = await dispatchToAgent(target, { path: CANARY_PATH, body, nonce: requestId, signal, headers_timeout_ms: input.headers_timeout_ms, policy: input.policy });
  } catch (err) {
    // A stable reason only: the provider sees it, and OS error text (addresses, ports, refused vs filtered) is a port scanner.
    return failed(signal.aborted ? "timeout" : dispatchFailure(err));
  }
  if (!upstream.ok) {
    await upstream.body.cancel().catch(() => {});
    return failed(`http_${upstream.status}`);
  }
  const hash = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

  if (!stream) {
    let payload: { object?: unknown; choices?: { text?: unknown }[]; usage?: unknown };
    try {
      payload = JSON.parse(await readCapped(upstream.body, input.max_response_bytes)) as typeof payload;
    } catch (err) {
      const duration_ms = Math.round(elapsed());
      if (signal.aborted) return failed("timeout", { duration_ms });
      return failed(err instanceof BodyTooLarge ? "response_too_large" : "bad_body", { duration_ms });
    }
    const end = performance.now();
    const duration_ms = Math.round(end - start);
    const text = Array.isArray(payload?.choices) ? payload.choices[0]?.text : undefined;
    if (typeof text !== "string" || payload.object !== "text_completion") return failed("bad_shape", { duration_ms });
    const usage = plausibleUsage(payload.usage, input.max_tokens);
    const measured = { duration_ms, prompt_tokens: usage?.prompt_tokens ?? null, completion_tokens: usage?.completion_tokens ?? null, output_sha256: text.length > 0 ? hash(text) : null };
    if (!usage) return failed(payload.usage === undefined ? "no_usage" : "bad_usage", measured);
    if (text.length === 0 || usage.completion_tokens === 0) return failed("empty_output", measured);
    return { requestId, at, ok: true, error: null, stream, ttft_ms: null, decode_tokens_per_second: null, prefill_tokens_per_second: null, ...measured, first_output_ms: null, last_byte_ms: end };
  }

  const splitter = new SseSplitter();
  let text = "";
  let ttft_ms: number | null = null;
  let first_output_ms: number | null = null;
  let usage: Usage | null = null;
  let badUsage = false;
  let sawDone = false;
  let streamError: string | null = null;
  let bytesSeen = 0;
  try {
    for await (const bytes of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      bytesSeen += bytes.byteLength;
      if (bytesSeen > input.max_response_bytes) {
        streamError = "response_too_large";
        await upstream.body.cancel().catch(() => {});
        break;
      }
      for (const data of splitter.pushData(bytes)) {
        if (data === "[DONE]") {
          sawDone = true;
          continue;
        }
        const chunk = JSON.parse(data) as StreamChunk;
        if (chunk.error) {
          streamError = `agent_error: ${JSON.stringify(chunk.error).slice(0, 200)}`;
          continue;
        }
        if (chunk.usage !== undefined && chunk.usage !== null) {
          usage = plausibleUsage(chunk.usage, input.max_tokens);
          badUsage = usage === null;
        }
        const piece = chunkText(chunk);
        if (piece) {
          if (ttft_ms === null) {
            first_output_ms = performance.now();
            ttft_ms = first_output_ms - start;
          }
          text += piece;
        }
      }
    }
  } catch {
    streamError = signal.aborted ? "timeout" : "stream_broken";
  }
  const last_byte_ms = performance.now();
  const duration_ms = last_byte_ms - start;

  const measured = {
    ttft_ms: ttft_ms === null ? null : Math.round(ttft_ms),
    duration_ms: Math.round(duration_ms),
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    output_sha256: text.length > 0 ? hash(text) : null,
  };
  if (streamError) return failed(streamError, measured);
  if (!sawDone) return failed("stream_incomplete", measured);
  if (badUsage) return failed("bad_usage", measured);
  if (!usage) return failed("no_usage", measured);
  if (ttft_ms === null || usage.completion_tokens === 0) return failed("empty_output", measured);
  return {
    requestId,
    at,
    ok: true,
    error: null,
    stream,
    ...measured,
    output_sha256: hash(text),
    decode_tokens_per_second: decodeRate(usage.completion_tokens, ttft_ms, duration_ms),
    prefill_tokens_per_second: usage.prompt_tokens > 0 ? (usage.prompt_tokens * 1000) / Math.max(ttft_ms, 1) : null,
    first_output_ms,
    last_byte_ms,
  };
}
