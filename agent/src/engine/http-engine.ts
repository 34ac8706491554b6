// An Engine backed by an external server's OpenAI-compatible streaming API (llama-server, vLLM).
// Generation streams /v1/chat/completions or /v1/completions; load comes from the server's own
// metrics, polled in the background (heartbeats read load() synchronously), combined with the
// requests this agent has in flight so a request that just started counts at once.
import { errorFromResponse } from "./http-helpers";
import type { StreamChunk, TokenUsage } from "../../../lib/wire/openai";
import { sseData } from "../../../lib/wire/sse";
import {
  EngineClosedError,
  EngineRequestError,
  type Engine,
  type EngineCapabilities,
  type EngineEvent,
  type EngineHealth,
  type EngineInfo,
  type EngineLoad,
  type GenerateRequest,
} from "./types";

/** The engine's own view of its load; null fields are unknown. */
export type ReportedLoad = { active: number | null; queued: number | null; kv_cache_usage?: number | null };

export type HttpEngineOptions = {
  info: EngineInfo;
  capabilities: EngineCapabilities;
  baseUrl: string;
  /** Sent as "model" (vLLM refuses any other name; llama-server ignores it). */
  model: string;
  /** Engine-specific body fields that make sampling follow OpenAI semantics exactly. */
  samplingExtras: (req: GenerateRequest) => Record<string, unknown>;
  /** Usage from engine-specific fields when the stream carries no `usage` (llama-server `timings`). */
  usageFromChunk?: (chunk: Chunk) => Usage | null;
  /** The engine's own processing time for the request (prompt + generation, its queue excluded), ms, when a chunk carries it. */
  servedMsFromChunk?: (chunk: Chunk) => number | null;
  pollLoad: () => Promise<ReportedLoad>;
  health: () => Promise<EngineHealth>;
  pollInterval_ms?: number;
  headers?: Record<string, string>;
};

export type Usage = TokenUsage;
export type Chunk = StreamChunk;

const DEFAULT_POLL_INTERVAL_MS = 1_000;

export class HttpEngine implements Engine {
  readonly info: EngineInfo;
  readonly capabilities: EngineCapabilities;
  private inflight = new Set<AbortController>();
  private reported: ReportedLoad | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private polling = false;

  constructor(private readonly opts: HttpEngineOptions) {
    this.info = opts.info;
    this.capabilities = opts.capabilities;
  }

  /** Starts background load polling; resolves after the first poll so load() is meaningful at once. */
  async start(): Promise<this> {
    await this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.opts.pollInterval_ms ?? DEFAULT_POLL_INTERVAL_MS);
    this.timer.unref();
    return this;
  }

  private async pollOnce(): Promise<void> {
    if (this.polling) return; // a slow engine must not pile up metric scrapes
    this.polling = true;
    try {
      this.reported = await this.opts.pollLoad();
    } catch {
      this.reported = null; // unreachable: fall back to what this agent knows
    } finally {
      this.polling = false;
    }
  }

  load(): EngineLoad {
    const slots = this.info.slots;
    const local = this.inflight.size;
    const active = Math.min(slots, Math.max(this.reported?.active ?? 0, local));
    const queued = Math.max(this.reported?.queued ?? 0, local - slots);
    const kv = this.reported?.kv_cache_usage;
    return { active_slots: active, slots, queued_requests: queued, ...(kv != null ? { kv_cache_usage: kv } : {}) };
  }

  health(): Promise<EngineHealth> {
    return this.opts.health();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      for (const c of this.inflight) c.abort(new EngineClosedError());
    })();
    return this.closing;
  }

  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<EngineEvent> {
    return { [Symbol.asyncIterator]: () => this.run(req, signal) };
  }

  private async *run(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<EngineEvent> {
    if (this.closing) throw new EngineClosedError();
    if ((req.messages == null) === (req.prompt == null)) throw new EngineRequestError("invalid_request", "exactly one of messages or prompt is required");
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    if (signal.aborted) stop.abort(signal.reason);
    else signal.addEventListener("abort", onAbort, { once: true });
    this.inflight.add(stop);
    try {
      yield* this.stream(req, stop.signal);
    } catch (err) {
      // Aborts surface as the caller's reason (the Engine contract), not as fetch's AbortError.
      if (stop.signal.aborted) throw stop.signal.reason;
      throw err;
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.inflight.delete(stop);
      // Leaving early (break in for-await) hangs up on the engine, which stops generating.
      if (!stop.signal.aborted) stop.abort(new Error("stream consumer stopped reading"));
    }
  }

  private async *stream(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<EngineEvent> {
    const chat = req.messages != null;
    const body = {
      model: this.opts.model,
      ...(chat ? { messages: req.messages } : { prompt: req.prompt }),
      max_tokens: req.max_tokens,
      // OpenAI defaults, sent explicitly: engines otherwise apply their own (llama-server
      // temperature 0.8, top_k 40; vLLM the model's generation_config.json).
      temperature: req.temperature ?? 1,
      top_p: req.top_p ?? 1,
      ...(req.seed != null ? { seed: req.seed } : {}),
      ...(req.stop && req.stop.length > 0 ? { stop: req.stop } : {}),
      stream: true,
      stream_options: { include_usage: true },
      ...this.opts.samplingExtras(req),
    };
    // External engines queue internally, out of the agent's sight, so the slot time reported (served_ms)
    // is the engine's own timing when it gives one (llama-server `timings`), else the time from its first
    // streamed byte to the end: its queue and the prefill before the first token then go unbilled, the
    // provider's cost, never the buyer's.
    const sent_ms = performance.now();
    let firstByte_ms: number | null = null;
    let engineServed_ms: number | null = null;
    const res = await fetch(new URL(chat ? "/v1/chat/completions" : "/v1/completions", this.opts.baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...this.opts.headers },
      body: JSON.stringify(body),
      signal,
    });
    if (!res.ok || !res.body) throw await errorFromResponse(res, this.info.engine);

    let finish: "stop" | "length" | null = null;
    let usage: Usage | null = null;
    let deltas = 0;
    for await (const data of sseData(res.body)) {
      firstByte_ms ??= performance.now();
      if (data === "[DONE]") break;
      const chunk = JSON.parse(data) as Chunk;
      engineServed_ms = this.opts.servedMsFromChunk?.(chunk) ?? engineServed_ms;
      if (chunk.error) throw new Error(`${this.info.engine} failed mid-stream: ${typeof chunk.error === "string" ? chunk.error : (chunk.error.message ?? "unknown error")}`);
      const choice = chunk.choices?.[0];
      const text = chat ? choice?.delta?.content : choice?.text;
      if (text) {
        deltas++;
        yield { type: "delta", text };
      }
      if (choice?.finish_reason) finish = choice.finish_reason === "length" ? "length" : "stop";
      if (chunk.usage && chunk.usage.completion_tokens != null) usage = { prompt_tokens: chunk.usage.prompt_tokens ?? 0, completion_tokens: chunk.usage.completion_tokens };
      else usage = this.opts.usageFromChunk?.(chunk) ?? usage;
    }
    if (!finish) throw new Error(`${this.info.engine} ended the stream without a finish reason`);
    // Last resort: an engine that reports no usage at all is billed by what was streamed.
    const end_ms = performance.now();
    const served_ms = Math.round(Math.min(end_ms - sent_ms, engineServed_ms ?? end_ms - (firstByte_ms ?? end_ms)));
    yield { type: "done", finish_reason: finish, usage: usage ?? { prompt_tokens: 0, completion_tokens: deltas }, served_ms: Math.max(0, served_ms) };
  }
}
