// The engine contract the agent serves. One implementation per backend (embedded llama.cpp,
// external llama-server, vLLM); the agent and its tests only ever see this interface.

/** A call the assistant made (OpenAI `tool_calls[]`, arguments as the JSON text the model produced). */
export type ToolCall = { id: string; name: string; arguments: string };

export type ChatMessage =
  | { role: "system" | "user"; content: string }
  /** `tool_calls`: what the assistant called in that turn (its results follow as `tool` messages). */
  | { role: "assistant"; content: string; tool_calls?: ToolCall[] }
  | { role: "tool"; content: string; tool_call_id?: string };

/** A function the model may call (OpenAI `tools[].function`); `parameters` is a JSON Schema object. */
export type ToolDefinition = { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };

/** OpenAI `tool_choice`: "auto" (the model decides), "none", "required" (at least one call), or one named function. */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** OpenAI `response_format` beyond plain text: any JSON object, or JSON valid against `schema`. */
export type ResponseFormat = { type: "json_object" } | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict: boolean };

export type GenerateRequest = {
  messages?: ChatMessage[]; // chat mode (apply the model's chat template)
  prompt?: string; // raw completion mode
  max_tokens: number;
  temperature?: number; // 0 => greedy
  top_p?: number;
  seed?: number;
  stop?: string[];
  /** Chat only. Absent or empty: no tools. */
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice; // default "auto" when tools are given
  /** false: at most one call per turn. Default true (where the chat template allows several). */
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  /**
   * Token log-probabilities: absent = none; a number = that many alternatives per token (OpenAI
   * `top_logprobs`, 0..20) beside the chosen token's own. Engines without token probabilities refuse
   * it (capabilities.logprobs false) rather than drop it.
   */
  logprobs?: number;
};

/** One generated token's log-probability (OpenAI `logprobs.content[]`). */
export type TokenLogprob = { token: string; logprob: number; bytes: number[]; top_logprobs: { token: string; logprob: number; bytes: number[] }[] };

/** What an engine can serve beyond plain text; the agent reports it with each offer, routing gates on it. */
export const NO_CAPABILITIES: EngineCapabilities = { tools: false, json_schema: false, logprobs: false, embeddings: false };

export type EngineCapabilities = {
  tools: boolean;
  /** response_format json_object and json_schema (constrained decoding, not a hope). */
  json_schema: boolean;
  logprobs: boolean;
  embeddings: boolean;
};

export type EngineEvent =
  | { type: "delta"; text: string; logprobs?: TokenLogprob[] }
  /**
   * Part of tool call `index` (0-based, in order): the first part of a call carries `id` and `name`,
   * later parts only more `arguments` text. Concatenated, the parts are each call's whole arguments JSON.
   */
  | { type: "tool_call"; index: number; id?: string; name?: string; arguments: string }
  | {
      type: "done";
      finish_reason: "stop" | "length" | "tool_calls";
      usage: { prompt_tokens: number; completion_tokens: number };
      /**
       * Slot time this request was served, ms: from the moment an engine slot took it to the end, time
       * queued for a slot excluded. What the provider bills at most (lib/wire/metering.ts). Embedded:
       * measured from SlotPool.acquire; external engines: see http-engine.ts.
       */
      served_ms: number;
    };

export type EngineInfo = {
  engine: string;
  engine_version: string;
  model_path: string;
  slots: number;
  context_size: number; // tokens per slot (prompt + completion)
  quantization: string; // e.g. "f32", "q4_k_m"; "unknown" when neither the file nor its name says
};

export type EngineLoad = {
  active_slots: number;
  slots: number;
  queued_requests: number; // waiting for a free slot (FIFO)
  kv_cache_usage?: number; // 0..1, where the engine reports it (vLLM)
};

/** What `doctor` and the external adapters say about an engine right now. */
export type EngineHealth = { ok: boolean; detail: string };

/** One embedding request: inputs as text (token-id inputs are detokenized by the caller or refused). */
export type EmbedRequest = { input: string[] };
export type EmbedResult = {
  /** One vector per input, in order. */
  embeddings: number[][];
  prompt_tokens: number;
  /** Slot time, ms, as for generation (served_ms in "done"). */
  served_ms: number;
};

export interface Engine {
  readonly info: EngineInfo;
  readonly capabilities: EngineCapabilities;
  /** Present iff capabilities.embeddings. Throws EngineRequestError for inputs over the context. */
  embed?(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult>;
  /**
   * Streams deltas then exactly one "done". Aborting `signal` (or leaving the loop early) stops
   * generation and frees the slot; an aborted stream rejects with `signal.reason`.
   */
  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<EngineEvent>;
  load(): EngineLoad;
  close(): Promise<void>;
  /** External engines: asks the engine itself (readiness endpoint). Embedded engines omit it. */
  health?(): Promise<EngineHealth>;
}

/** A request the engine refuses before generating (maps to HTTP 400 at the gateway). */
export class EngineRequestError extends Error {
  constructor(
    readonly code: "invalid_request" | "context_length_exceeded" | "unsupported_parameter",
    message: string,
    /** The request field at fault (OpenAI error `param`), e.g. "logprobs", "response_format". */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "EngineRequestError";
  }
}

/** Raised to waiters and in-flight streams when the engine closes. */
export class EngineClosedError extends Error {
  constructor() {
    super("engine closed");
    this.name = "EngineClosedError";
  }
}
