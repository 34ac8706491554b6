// A stand-in for llama.cpp's `llama-server` around the embedded engine (tiny model), speaking the
// documented API (llama.cpp tools/server/README.md) and metric names exactly: /health (503 while
// loading), /props, /slots, /metrics (with --metrics), /v1/models, and OpenAI chat/completions,
// streaming included, with `timings` on the final chunk as server-task.cpp writes them.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename } from "node:path";
import type { Engine } from "../../agent/src/engine/types";
import { events, isRefusal, sse, startGeneration } from "./generation";
import { listen, prometheusText, readJson, sendJson, sendText, type Listening } from "./http";

export type FakeLlamaServerOptions = {
  engine: Engine;
  /** Answer 503 "Loading model" on /health and generation for this long after start. */
  loading_ms?: number;
  /** llama-server --metrics; without it /metrics answers 501. */
  metrics?: boolean;
  /** --no-slots: /slots answers 501. */
  noSlots?: boolean;
  buildInfo?: string;
  port?: number;
};

export type FakeLlamaServer = Listening & { requests: Record<string, unknown>[] };

const LOADING = { error: { code: 503, message: "Loading model", type: "unavailable_error" } };
const NOT_SUPPORTED_METRICS = { error: { code: 501, message: "This server does not support metrics endpoint. Start it with `--metrics`", type: "not_supported_error" } };

export async function startFakeLlamaServer(opts: FakeLlamaServerOptions): Promise<FakeLlamaServer> {
  const { engine } = opts;
  const readyAt = Date.now() + (opts.loading_ms ?? 0);
  const buildInfo = opts.buildInfo ?? "b6123-79c1160b";
  const requests: Record<string, unknown>[] = [];
  const totals = { prompt_tokens: 0, prompt_seconds: 0, predicted_tokens: 0, predicted_seconds: 0 };
  const modelPath = engine.info.model_path;

  const slotsJson = () => {
    const busy = engine.load().active_slots;
    return Array.from({ length: engine.info.slots }, (_, id) => ({
      id,
      id_task: id < busy ? 100 + id : -1,
      n_ctx: engine.info.context_size,
      speculative: false,
      is_processing: id < busy,
      params: { n_predict: -1, seed: 4294967295, temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, max_tokens: -1, stream: true, samplers: ["penalties", "dry", "top_k", "typ_p", "top_p", "min_p", "xtc", "temperature"] },
      next_token: { has_next_token: true, has_new_line: false, n_remain: -1, n_decoded: 0 },
    }));
  };

  const metricsText = () => {
    const load = engine.load();
    const rate = (n: number, s: number) => (s > 0 ? n / s : 0);
    return prometheusText([
      { name: "llamacpp:prompt_tokens_total", help: "Number of prompt tokens processed.", type: "counter", samples: [{ value: totals.prompt_tokens }] },
      { name: "llamacpp:prompt_seconds_total", help: "Prompt process time", type: "counter", samples: [{ value: totals.prompt_seconds }] },
      { name: "llamacpp:tokens_predicted_total", help: "Number of generation tokens processed.", type: "counter", samples: [{ value: totals.predicted_tokens }] },
      { name: "llamacpp:tokens_predicted_seconds_total", help: "Predict process time", type: "counter", samples: [{ value: totals.predicted_seconds }] },
      { name: "llamacpp:n_decode_total", help: "Total number of llama_decode() calls", type: "counter", samples: [{ value: totals.predicted_tokens }] },
      { name: "llamacpp:n_busy_slots_per_decode", help: "Average number of busy slots per llama_decode() call", type: "counter", samples: [{ value: load.active_slots }] },
      { name: "llamacpp:prompt_tokens_seconds", help: "Average prompt throughput in tokens/s.", type: "gauge", samples: [{ value: rate(totals.prompt_tokens, totals.prompt_seconds) }] },
      { name: "llamacpp:predicted_tokens_seconds", help: "Average generation throughput in tokens/s.", type: "gauge", samples: [{ value: rate(totals.predicted_tokens, totals.predicted_seconds) }] },
      { name: "llamacpp:requests_processing", help: "Number of requests processing.", type: "gauge", samples: [{ value: load.active_slots }] },
      { name: "llamacpp:requests_deferred", help: "Number of requests deferred.", type: "gauge", samples: [{ value: load.queued_requests }] },
    ]);
  };

  async function complete(kind: "chat" | "completion", req: IncomingMessage, res: ServerResponse) {
    const body = await readJson(req);
    requests.push(body);
    const started = await startGeneration(engine, kind, body, res);
    if (isRefusal(started)) {
      const tooLong = "code" in started.error && started.error.code === "context_length_exceeded";
      return sendJson(res, started.status, {
        error: tooLong
          ? { code: 400, message: "the request exceeds the available context size, try increasing it", type: "exceed_context_size_error", n_ctx: engine.info.context_size }
          : { code: started.status, message: started.error.message, type: started.status === 400 ? "invalid_request_error" : "server_error" },
      });
    }
    const id = kind === "chat" ? `chatcmpl-${randomUUID().replace(/-/g, "")}` : `cmpl-${randomUUID().replace(/-/g, "")}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof body.model === "string" ? body.model : basename(modelPath);
    const object = kind === "chat" ? "chat.completion.chunk" : "text_completion";
    const head = { created, id, model, system_fingerprint: buildInfo, object };
    let firstDelta_ms: number | null = null;
    let text = "";
    let done: { finish_reason: string; usage: { prompt_tokens: number; completion_tokens: number } } | null = null;
    const stream = body.stream === true;
    const send = stream ? sse(res) : null;
    if (send && kind === "chat") send({ ...head, choices: [{ finish_reason: null, index: 0, delta: { role: "assistant", content: null } }] });
    for await (const ev of events(started)) {
      if (ev.type === "delta") {
        firstDelta_ms ??= performance.now();
        text += ev.text;
        if (send) send({ ...head, choices: kind === "chat" ? [{ finish_reason: null, index: 0, delta: { content: ev.text } }] : [{ text: ev.text, index: 0, logprobs: null, finish_reason: null }] });
      } else if (ev.type === "done") done = ev;
    }
    const end = performance.now();
    const promptMs = (firstDelta_ms ?? end) - started.started_ms;
    const predictedMs = end - (firstDelta_ms ?? end);
    const u = done!.usage;
    totals.prompt_tokens += u.prompt_tokens;
    totals.prompt_seconds += promptMs / 1000;
    totals.predicted_tokens += u.completion_tokens;
    totals.predicted_seconds += predictedMs / 1000;
    const timings = {
      cache_n: 0,
      prompt_n: u.prompt_tokens,
      prompt_ms: promptMs,
      prompt_per_token_ms: promptMs / Math.max(1, u.prompt_tokens),
      prompt_per_second: (u.prompt_tokens * 1000) / Math.max(promptMs, 1e-3),
      predicted_n: u.completion_tokens,
      predicted_ms: predictedMs,
      predicted_per_token_ms: predictedMs / Math.max(1, u.completion_tokens),
      predicted_per_second: (u.completion_tokens * 1000) / Math.max(predictedMs, 1e-3),
    };
    const usage = { completion_tokens: u.completion_tokens, prompt_tokens: u.prompt_tokens, total_tokens: u.completion_tokens + u.prompt_tokens, prompt_tokens_details: { cached_tokens: 0 } };
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (send) {
      if (kind === "chat") {
        const final: Record<string, unknown> = { ...head, choices: [{ finish_reason: done!.finish_reason, index: 0, delta: {} }] };
        if (includeUsage) {
          send(final);
          send({ ...head, choices: [], usage, timings });
        } else send({ ...final, timings });
      } else {
        // /v1/completions: the final chunk always carries usage and timings (to_json_oaicompat).
        send({ ...head, choices: [{ text: "", index: 0, logprobs: null, finish_reason: done!.finish_reason }], usage, timings });
      }
      res.end("data: [DONE]\n\n");
      return;
    }
    const choice = kind === "chat" ? { finish_reason: done!.finish_reason, index: 0, message: { role: "assistant", content: text } } : { text, index: 0, logprobs: null, finish_reason: done!.finish_reason };
    sendJson(res, 200, { ...head, object: kind === "chat" ? "chat.completion" : "text_completion", choices: [choice], usage, timings });
  }

  const listening = await listen(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const loading = Date.now() < readyAt;
    try {
      if (req.method === "GET" && (path === "/health" || path === "/v1/health")) return loading ? sendJson(res, 503, LOADING) : sendJson(res, 200, { status: "ok" });
      if (loading) return sendJson(res, 503, LOADING);
      if (req.method === "GET" && path === "/props") {
        return sendJson(res, 200, {
          default_generation_settings: { id: 0, id_task: -1, n_ctx: engine.info.context_size, speculative: false, is_processing: false, params: { n_predict: -1, temperature: 0.8 } },
          total_slots: engine.info.slots,
          model_path: modelPath,
          chat_template: "{% for message in messages %}…",
          chat_template_caps: {},
          modalities: { vision: false },
          build_info: buildInfo,
          is_sleeping: false,
        });
      }
      if (req.method === "GET" && path === "/slots") return opts.noSlots ? sendJson(res, 501, { error: { code: 501, message: "This server does not support slots endpoint. Start it with `--slots`", type: "not_supported_error" } }) : sendJson(res, 200, slotsJson());
      if (req.method === "GET" && path === "/metrics") return opts.metrics ? sendText(res, 200, metricsText(), "text/plain; version=0.0.4") : sendJson(res, 501, NOT_SUPPORTED_METRICS);
      if (req.method === "GET" && path === "/v1/models") return sendJson(res, 200, { object: "list", data: [{ id: modelPath, object: "model", created: Math.floor(Date.now() / 1000), owned_by: "llamacpp", meta: null }] });
      if (req.method === "POST" && path === "/v1/chat/completions") return await complete("chat", req, res);
      if (req.method === "POST" && path === "/v1/completions") return await complete("completion", req, res);
      sendJson(res, 404, { error: { code: 404, message: "File Not Found", type: "not_found_error" } });
    } catch (err) {
      if (res.headersSent) return void res.end(`data: ${JSON.stringify({ error: { code: 500, message: (err as Error).message, type: "server_error" } })}\n\n`);
      sendJson(res, 500, { error: { code: 500, message: (err as Error).message, type: "server_error" } });
    }
  }, opts.port);
  return { ...listening, requests };
}
