// Attaches to a running llama.cpp `llama-server` (tools/server/README.md of llama.cpp):
//   GET /health   200 {"status":"ok"} when ready, 503 {"error":{"message":"Loading model",…}} while loading
//   GET /props    total_slots (--parallel), default_generation_settings.n_ctx (per slot), model_path, build_info
//   GET /slots    one object per slot with n_ctx and is_processing (disabled by --no-slots)
//   GET /metrics  Prometheus text, only with --metrics: llamacpp:requests_processing, llamacpp:requests_deferred, …
//   POST /v1/chat/completions, /v1/completions   OpenAI streaming; the last chunk carries `timings`
import { basename } from "node:path";
import { HttpEngine, type Chunk, type ReportedLoad } from "./http-engine";
import { getJson, quantizationFromName, waitUntilReady, type ExternalEngineOptions } from "./http-helpers";
import { parsePrometheusText, sumOf } from "./prometheus";
import { NO_CAPABILITIES, type Engine, type EngineHealth, type GenerateRequest } from "./types";

export type LlamaServerOptions = ExternalEngineOptions;

export type LlamaServerProps = { total_slots: number; n_ctx: number | null; model_path: string; build_info: string | null };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseProps(body: unknown): LlamaServerProps {
  if (!isObject(body) || typeof body.total_slots !== "number") throw new Error("llama-server /props has no total_slots");
  const settings = isObject(body.default_generation_settings) ? body.default_generation_settings : {};
  return {
    total_slots: body.total_slots,
    n_ctx: typeof settings.n_ctx === "number" ? settings.n_ctx : null,
    model_path: typeof body.model_path === "string" ? body.model_path : "",
    build_info: typeof body.build_info === "string" ? body.build_info : null,
  };
}

/** /slots: how many slots exist, how many are busy, and the per-slot context. */
export function parseSlots(body: unknown): { total: number; processing: number; n_ctx: number | null } {
  if (!Array.isArray(body)) throw new Error("llama-server /slots is not a list");
  const slots = body.filter(isObject);
  const n_ctx = slots.find((s) => typeof s.n_ctx === "number")?.n_ctx as number | undefined;
  return { total: slots.length, processing: slots.filter((s) => s.is_processing === true).length, n_ctx: n_ctx ?? null };
}

/** llama-server's load gauges. */
export function loadFromMetrics(text: string): ReportedLoad {
  const m = parsePrometheusText(text);
  return { active: sumOf(m, "llamacpp:requests_processing") ?? null, queued: sumOf(m, "llamacpp:requests_deferred") ?? null };
}

/** Usage from the last chunk's `timings` (prompt_n tokens processed + cache_n reused; predicted_n generated). */
export function usageFromTimings(chunk: Chunk): { prompt_tokens: number; completion_tokens: number } | null {
  const t = chunk.timings;
  if (!isObject(t) || typeof t.predicted_n !== "number") return null;
  return { prompt_tokens: (typeof t.prompt_n === "number" ? t.prompt_n : 0) + (typeof t.cache_n === "number" ? t.cache_n : 0), completion_tokens: t.predicted_n };
}

/** llama-server's own time on the request (`timings.prompt_ms + predicted_ms`): prefill and generation, its queue excluded. */
export function servedMsFromTimings(chunk: Chunk): number | null {
  const t = chunk.timings;
  if (!isObject(t) || typeof t.prompt_ms !== "number" || typeof t.predicted_ms !== "number") return null;
  const ms = t.prompt_ms + t.predicted_ms;
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

// OpenAI semantics on llama-server: its defaults (top_k 40, min_p 0.05, and repeat_penalty 1.1 on
// older builds) would change the distribution. cache_prompt off: reusing a cached prefix changes
// batch shapes and can flip greedy ties (the README's warning), and the marketplace fingerprints
// models by greedy output, like the embedded engine that always decodes the prompt from scratch.
const samplingExtras = (_req: GenerateRequest) => ({ top_k: 0, min_p: 0, typical_p: 1, repeat_penalty: 1, presence_penalty: 0, frequency_penalty: 0, cache_prompt: false });

async function health(baseUrl: string, headers: Record<string, string>): Promise<EngineHealth> {
  const { status, body } = await getJson(baseUrl, "/health", 5_000, headers);
  if (status === 200) return { ok: true, detail: "ready" };
  const message = isObject(body) && isObject(body.error) && typeof body.error.message === "string" ? body.error.message : `HTTP ${status}`;
  return { ok: false, detail: status === 503 ? `llama-server: ${message}` : `llama-server /health answered ${message}` };
}

export async function connectLlamaServer(opts: LlamaServerOptions): Promise<Engine> {
  const baseUrl = opts.url;
  const headers: Record<string, string> = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};
  await waitUntilReady(() => health(baseUrl, headers), {
    timeout_ms: opts.readyTimeout_ms ?? 600_000,
    onWaiting: (why) => opts.log?.(`waiting for llama-server at ${baseUrl}: ${why}`),
  });

  // /props is the source of truth for slots; /slots (per-slot objects) where /props is older or missing.
  const props = await getJson(baseUrl, "/props", 5_000, headers).then((r) => (r.status === 200 ? parseProps(r.body) : null)).catch(() => null);
  const slotsNow = await getJson(baseUrl, "/slots", 5_000, headers).then((r) => (r.status === 200 ? parseSlots(r.body) : null)).catch(() => null);
  const totalSlots = props?.total_slots ?? slotsNow?.total;
  if (!totalSlots) throw new Error(`llama-server at ${baseUrl} reports no slots (neither /props nor /slots answered)`);
  if (opts.slots !== undefined && opts.slots > totalSlots) {
    throw new Error(`--slots ${opts.slots} is more than llama-server's ${totalSlots} slots (its --parallel); restart it with --parallel ${opts.slots} or sell fewer`);
  }
  const contextSize = props?.n_ctx ?? slotsNow?.n_ctx;
  if (!contextSize) throw new Error(`llama-server at ${baseUrl} reports no context size`);

  // Load: /metrics (needs --metrics) is cheapest; else count busy entries of /slots; else only our own requests.
  const metricsOn = await getJson(baseUrl, "/metrics", 5_000, headers).then((r) => r.status === 200).catch(() => false);
  const pollLoad = async (): Promise<ReportedLoad> => {
    if (metricsOn) {
      const res = await fetch(new URL("/metrics", baseUrl), { headers, signal: AbortSignal.timeout(5_000) });
      if (res.ok) return loadFromMetrics(await res.text());
    }
    if (slotsNow) {
      const { status, body } = await getJson(baseUrl, "/slots", 5_000, headers);
      if (status === 200) return { active: parseSlots(body).processing, queued: null };
    }
    return { active: null, queued: null };
  };
  if (!metricsOn) opts.log?.("llama-server runs without --metrics: load comes from /slots (or only from this agent's own requests)");

  const modelPath = props?.model_path ?? "";
  const engine = new HttpEngine({
    info: {
      engine: "llama-server",
      engine_version: `llama-server ${props?.build_info ?? "unknown"}`.slice(0, 64),
      model_path: modelPath,
      slots: opts.slots ?? totalSlots,
      context_size: contextSize,
      quantization: quantizationFromName(basename(modelPath)) ?? "unknown",
    },
    baseUrl,
    model: basename(modelPath) || "default",
    capabilities: NO_CAPABILITIES,
    samplingExtras,
    usageFromChunk: usageFromTimings,
    servedMsFromChunk: servedMsFromTimings,
    pollLoad,
    health: () => health(baseUrl, headers).catch((err: Error) => ({ ok: false, detail: err.message })),
    pollInterval_ms: opts.pollInterval_ms,
    headers,
  });
  return engine.start();
}
