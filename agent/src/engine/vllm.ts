// Attaches to a running vLLM OpenAI-compatible server (`vllm serve`):
//   GET /health       200 when the engine is alive (the server only listens once the model is loaded)
//   GET /version      {"version": "0.x.y"}
//   GET /v1/models    data[0].id (the served model name, required in requests), max_model_len
//   GET /metrics      Prometheus text: vllm:num_requests_running, vllm:num_requests_waiting,
//                     vllm:kv_cache_usage_perc (vllm:gpu_cache_usage_perc before v0.10), labelled by model_name
//   GET /server_info?config_format=json   only with VLLM_SERVER_DEV_MODE=1: vllm_config.scheduler_config.max_num_seqs
//   POST /v1/chat/completions, /v1/completions    OpenAI streaming; usage in the last chunk with stream_options.include_usage
import { HttpEngine, type ReportedLoad } from "./http-engine";
import { getJson, quantizationFromName, waitUntilReady, type ExternalEngineOptions } from "./http-helpers";
import { maxOf, parsePrometheusText, sumOf } from "./prometheus";
import { NO_CAPABILITIES, type Engine, type EngineHealth, type GenerateRequest } from "./types";

/** `slots` is vLLM's --max-num-seqs; required unless the server exposes it (dev mode /server_info). */
export type VllmOptions = ExternalEngineOptions;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export type VllmModel = { id: string; root: string; max_model_len: number | null };

export function parseModels(body: unknown): VllmModel {
  const first = isObject(body) && Array.isArray(body.data) ? body.data.find(isObject) : undefined;
  if (!first || typeof first.id !== "string") throw new Error("vLLM /v1/models lists no model");
  return { id: first.id, root: typeof first.root === "string" ? first.root : first.id, max_model_len: typeof first.max_model_len === "number" ? first.max_model_len : null };
}

/** What dev-mode /server_info?config_format=json tells: the real concurrency, quantization and dtype. */
export function parseServerInfo(body: unknown): { max_num_seqs: number | null; quantization: string | null } {
  const config = isObject(body) && isObject(body.vllm_config) ? body.vllm_config : {};
  const scheduler = isObject(config.scheduler_config) ? config.scheduler_config : {};
  const model = isObject(config.model_config) ? config.model_config : {};
  const quant = typeof model.quantization === "string" && model.quantization ? model.quantization : null;
  // Unquantized weights: the dtype is the "quantization" ("torch.bfloat16" → "bf16").
  const dtype = typeof model.dtype === "string" ? model.dtype.replace(/^torch\./, "").replace(/^bfloat16$/, "bf16").replace(/^float16$/, "f16").replace(/^float32$/, "f32") : null;
  return { max_num_seqs: typeof scheduler.max_num_seqs === "number" ? scheduler.max_num_seqs : null, quantization: quant ?? dtype };
}

export function loadFromMetrics(text: string): ReportedLoad {
  const m = parsePrometheusText(text);
  return {
    active: sumOf(m, "vllm:num_requests_running") ?? null,
    queued: sumOf(m, "vllm:num_requests_waiting") ?? null,
    kv_cache_usage: maxOf(m, "vllm:kv_cache_usage_perc") ?? maxOf(m, "vllm:gpu_cache_usage_perc") ?? null,
  };
}

// OpenAI semantics on vLLM: it otherwise applies the model's generation_config.json (top_k,
// repetition_penalty, …). top_k -1 means "all tokens" on every vLLM release (0 only on newer ones).
const samplingExtras = (_req: GenerateRequest) => ({ top_k: -1, min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 });

async function health(baseUrl: string, headers: Record<string, string>): Promise<EngineHealth> {
  const { status } = await getJson(baseUrl, "/health", 5_000, headers);
  return status === 200 ? { ok: true, detail: "ready" } : { ok: false, detail: `vLLM /health answered HTTP ${status} (engine dead or still starting)` };
}

export async function connectVllm(opts: VllmOptions): Promise<Engine> {
  const baseUrl = opts.url;
  const headers: Record<string, string> = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};
  await waitUntilReady(() => health(baseUrl, headers), {
    timeout_ms: opts.readyTimeout_ms ?? 600_000,
    onWaiting: (why) => opts.log?.(`waiting for vLLM at ${baseUrl}: ${why}`),
  });
  const models = await getJson(baseUrl, "/v1/models", 5_000, headers);
  if (models.status !== 200) throw new Error(`vLLM /v1/models answered HTTP ${models.status}`);
  const model = parseModels(models.body);
  const version = await getJson(baseUrl, "/version", 5_000, headers).then((r) => (isObject(r.body) && typeof r.body.version === "string" ? r.body.version : "unknown")).catch(() => "unknown");
  const info = await getJson(baseUrl, "/server_info?config_format=json", 5_000, headers).then((r) => (r.status === 200 ? parseServerInfo(r.body) : null)).catch(() => null);

  const maxNumSeqs = info?.max_num_seqs ?? null;
  if (opts.slots === undefined && maxNumSeqs === null) {
    throw new Error("vLLM does not expose its --max-num-seqs (only with VLLM_SERVER_DEV_MODE=1): pass --slots N, the --max-num-seqs vLLM was started with");
  }
  if (opts.slots !== undefined && maxNumSeqs !== null && opts.slots > maxNumSeqs) {
    throw new Error(`--slots ${opts.slots} is more than vLLM's max_num_seqs ${maxNumSeqs}`);
  }
  if (!model.max_model_len) throw new Error("vLLM /v1/models reports no max_model_len");

  const engine = new HttpEngine({
    info: {
      engine: "vllm",
      engine_version: `vLLM ${version}`.slice(0, 64),
      model_path: model.root,
      slots: opts.slots ?? maxNumSeqs!,
      context_size: model.max_model_len,
      quantization: info?.quantization ?? quantizationFromName(model.id) ?? "unknown",
    },
    baseUrl,
    model: model.id,
    capabilities: NO_CAPABILITIES,
    samplingExtras,
    pollLoad: async () => {
      const res = await fetch(new URL("/metrics", baseUrl), { headers, signal: AbortSignal.timeout(5_000) });
      return res.ok ? loadFromMetrics(await res.text()) : { active: null, queued: null };
    },
    health: () => health(baseUrl, headers).catch((err: Error) => ({ ok: false, detail: err.message })),
    pollInterval_ms: opts.pollInterval_ms,
    headers,
  });
  return engine.start();
}
