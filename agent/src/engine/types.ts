// The engine contract the agent serves. One implementation per backend (embedded llama.cpp,
// external llama-server, vLLM); the agent and its tests only ever see this interface.

export type ChatMessage = { role: "system" | "user" | "assistant" | "tool"; content: string };

export type GenerateRequest = {
  messages?: ChatMessage[]; // chat mode (apply the model's chat template)
  prompt?: string; // raw completion mode
  max_tokens: number;
  temperature?: number; // 0 => greedy
  top_p?: number;
  seed?: number;
  stop?: string[];
};

export type EngineEvent =
  | { type: "delta"; text: string }
  | {
      type: "done";
      finish_reason: "stop" | "length";
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

export interface Engine {
  readonly info: EngineInfo;
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
    readonly code: "invalid_request" | "context_length_exceeded",
    message: string,
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
