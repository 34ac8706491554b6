// HTTP helpers shared by the external engine adapters and doctor: error mapping, readiness
// polling, JSON GETs, and the quantization a file or model name carries.
import { EngineRequestError, type EngineHealth } from "./types";

/** How the agent reaches an external engine (llama-server, vLLM). */
export type ExternalEngineOptions = {
  url: string;
  /** Slots to sell: fewer than the server has leaves the rest for other local use; vLLM needs it unless it exposes --max-num-seqs. */
  slots?: number;
  /** How long to wait for the model to load. */
  readyTimeout_ms?: number;
  pollInterval_ms?: number;
  /** The server's --api-key. */
  apiKey?: string;
  log?: (msg: string) => void;
};

/** Maps an engine's error response to what the agent tells the gateway: 400s are the buyer's, the rest the provider's. */
export async function errorFromResponse(res: Response, what: string): Promise<Error> {
  const text = await res.text().catch(() => "");
  let message = text.slice(0, 500) || `HTTP ${res.status}`;
  let type = "";
  try {
    const body = JSON.parse(text) as { error?: { message?: string; type?: string } | string; message?: string; type?: string; detail?: unknown };
    const err = typeof body.error === "object" && body.error ? body.error : body;
    message = (typeof err.message === "string" && err.message) || (typeof body.error === "string" ? body.error : message);
    type = typeof err.type === "string" ? err.type : "";
  } catch {
    // not JSON: keep the text
  }
  if (res.status === 400 || res.status === 422) {
    const tooLong = type === "exceed_context_size_error" || /context (length|size|window)|maximum context/i.test(message);
    return new EngineRequestError(tooLong ? "context_length_exceeded" : "invalid_request", message);
  }
  return new Error(`${what} answered HTTP ${res.status}: ${message}`);
}

export type ReadyOptions = { timeout_ms: number; interval_ms?: number; onWaiting?: (why: string) => void };

/**
 * Polls `probe` until it says ready: engines answer 503 while loading weights (llama-server) or
 * refuse connections until loaded (vLLM). Rejects with the last reason after `timeout_ms`.
 */
export async function waitUntilReady(probe: () => Promise<EngineHealth>, opts: ReadyOptions): Promise<void> {
  const deadline = Date.now() + opts.timeout_ms;
  let last = "";
  for (;;) {
    const h = await probe().catch((err: unknown): EngineHealth => ({ ok: false, detail: describeFetchError(err) }));
    if (h.ok) return;
    if (h.detail !== last) opts.onWaiting?.(h.detail);
    last = h.detail;
    if (Date.now() >= deadline) throw new Error(`engine not ready after ${Math.round(opts.timeout_ms / 1000)} s: ${h.detail}`);
    await new Promise((r) => setTimeout(r, opts.interval_ms ?? 500));
  }
}

/** "fetch failed" hides the reason; ECONNREFUSED and friends are in `cause`. */
export function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ? `${e.cause.code} (${e.cause.message ?? e.message})` : (e.message ?? String(err));
}

export async function getJson(baseUrl: string, path: string, timeout_ms = 5_000, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(path, baseUrl), { headers, signal: AbortSignal.timeout(timeout_ms) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text (Prometheus, empty bodies)
  }
  return { status: res.status, body };
}

/** Quantization from a file or model name: "Llama-3.1-8B-Instruct-Q4_K_M.gguf" → "q4_k_m", "…-AWQ" → "awq". */
export function quantizationFromName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? name;
  const gguf = /(?:^|[^a-z0-9])((?:i?q\d(?:_[a-z0-9]+)*)|bf16|f16|f32|fp16|fp8|fp32)(?:[^a-z0-9]|$)/i.exec(base.replace(/\.gguf$/i, ""));
  if (gguf) return gguf[1]!.toLowerCase();
  const other = /(?:^|[^a-z0-9])(awq|gptq|int4|int8|w4a16|w8a8|nvfp4|mxfp4|bnb-4bit)(?:[^a-z0-9]|$)/i.exec(base);
  return other ? other[1]!.toLowerCase() : null;
}
