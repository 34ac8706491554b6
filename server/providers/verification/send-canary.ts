import { createHash } from "node:crypto";
import { newId } from "../../../lib/ids";
import { dispatchFailure, dispatchToAgent, type DispatchTarget, type UpstreamResponse } from "../../gateway/dispatch";
import type { EndpointPolicy } from "../../http/endpoint-policy";
import { eventData, SseSplitter } from "../../gateway/sse";
import { CANARY_PATH, canaryUpstreamBody, type CanaryPrompt } from "./prompts";
import { decodeRate } from "./statistics";

/** What one canary measured, from the marketplace's side of the wire. */
export type CanaryMeasurement = {
  /** The `req_` nonce the agent saw. */
  requestId: string;
  at: Date;
  ok: boolean;
  error: string | null;
  ttft_ms: number | null;
  duration_ms: number | null;
  decode_tokens_per_second: number | null;
  prefill_tokens_per_second: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  output_sha256: string | null;
};

/**
 * Sends one canary through `dispatchToAgent` — the same signed POST, path, headers and body shape as
 * a buyer's streamed completion, with a fresh `req_` nonce — and times it. Nothing is reserved,
 * metered or settled: canaries are never billed.
 */
export async function sendCanary(
  target: DispatchTarget,
  input: { modelId: string; prompt: CanaryPrompt; max_tokens: number; headers_timeout_ms: number; total_timeout_ms: number; signal?: AbortSignal; now: () => Date; policy?: EndpointPolicy },
): Promise<CanaryMeasurement> {
  const requestId = newId("request");
  const at = input.now();
  const body = canaryUpstreamBody({ modelId: input.modelId, prompt: input.prompt.prompt, max_tokens: input.max_tokens });
  const signal = AbortSignal.any([AbortSignal.timeout(input.total_timeout_ms), ...(input.signal ? [input.signal] : [])]);
  const failed = (error: string, extra: Partial<CanaryMeasurement> = {}): CanaryMeasurement => ({
    requestId,
    at,
    ok: false,
    error,
    ttft_ms: null,
    duration_ms: null,
    decode_tokens_per_second: null,
    prefill_tokens_per_second: null,
    prompt_tokens: null,
    completion_tokens: null,
    output_sha256: null,
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

  const splitter = new SseSplitter();
  let text = "";
  let ttft_ms: number | null = null;
  let usage: { prompt_tokens: number; completion_tokens: number } | null = null;
  let sawDone = false;
  let streamError: string | null = null;
  try {
    for await (const bytes of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      for (const event of splitter.push(bytes)) {
        const data = eventData(event);
        if (data === null) continue;
        if (data === "[DONE]") {
          sawDone = true;
          continue;
        }
        const chunk = JSON.parse(data) as {
          error?: unknown;
          usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
          choices?: { text?: string; delta?: { content?: string | null } }[];
        };
        if (chunk.error) {
          streamError = `agent_error: ${JSON.stringify(chunk.error).slice(0, 200)}`;
          continue;
        }
        if (chunk.usage && typeof chunk.usage.prompt_tokens === "number" && typeof chunk.usage.completion_tokens === "number") {
          usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens };
        }
        const piece = chunk.choices?.[0]?.text ?? chunk.choices?.[0]?.delta?.content ?? "";
        if (piece) {
          ttft_ms ??= elapsed();
          text += piece;
        }
      }
    }
  } catch (err) {
    streamError = signal.aborted ? "timeout" : "stream_broken";
  }
  const duration_ms = elapsed();

  const output_sha256 = createHash("sha256").update(text, "utf8").digest("hex");
  const measured = {
    ttft_ms: ttft_ms === null ? null : Math.round(ttft_ms),
    duration_ms: Math.round(duration_ms),
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    output_sha256: text.length > 0 ? output_sha256 : null,
  };
  if (streamError) return failed(streamError, measured);
  if (!sawDone) return failed("stream_incomplete", measured);
  if (!usage) return failed("no_usage", measured);
  if (ttft_ms === null || usage.completion_tokens === 0) return failed("empty_output", measured);
  return {
    requestId,
    at,
    ok: true,
    error: null,
    ...measured,
    output_sha256,
    decode_tokens_per_second: decodeRate(usage.completion_tokens, ttft_ms, duration_ms),
    prefill_tokens_per_second: usage.prompt_tokens > 0 ? (usage.prompt_tokens * 1000) / Math.max(ttft_ms, 1) : null,
  };
}
