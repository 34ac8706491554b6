// A stand-in for vLLM's OpenAI-compatible server (`vllm serve`) around the embedded engine (tiny
// model), speaking its API and metric names exactly: /health (empty 200), /version, /v1/models
// (with max_model_len), /metrics (prometheus_client text, model_name labels, float values),
// dev-mode /server_info, and OpenAI chat/completions with vLLM's error shape and usage chunk.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Engine } from "../../agent/src/engine/types";
import { events, isRefusal, sse, startGeneration } from "./generation";
import { listen, prometheusText, readJson, sendJson, sendText, type Listening } from "./http";

export type FakeVllmOptions = {
  engine: Engine;
  /** --served-model-name; requests naming another model get vLLM's 404. */
  servedModelName: string;
  /** VLLM_SERVER_DEV_MODE=1: /server_info exposes the config (max_num_seqs). */
  devMode?: boolean;
  version?: string;
  port?: number;
};

export type FakeVllm = Listening & { requests: Record<string, unknown>[] };

// vLLM's ErrorResponse (object "error"), nested under "error" since v0.10.
const vllmError = (message: string, type: string, code: number) => ({ error: { message, type, param: null, code } });

export async function startFakeVllm(opts: FakeVllmOptions): Promise<FakeVllm> {
  const { engine, servedModelName: model } = opts;
  const requests: Record<string, unknown>[] = [];
  const counters = { prompt: 0, generation: 0, finished: 0 };
  const labels = { engine: "0", model_name: model };

  const metricsText = () => {
    const load = engine.load();
    return prometheusText(
      [
        { name: "vllm:num_requests_running", help: "Number of requests in model execution batches.", type: "gauge", samples: [{ labels, value: load.active_slots }] },
        { name: "vllm:num_requests_waiting", help: "Number of requests waiting to be processed.", type: "gauge", samples: [{ labels, value: load.queued_requests }] },
        { name: "vllm:kv_cache_usage_perc", help: "KV-cache usage. 1 means 100 percent usage.", type: "gauge", samples: [{ labels, value: load.active_slots / engine.info.slots }] },
        { name: "vllm:prompt_tokens_total", help: "Number of prefill tokens processed.", type: "counter", samples: [{ labels, value: counters.prompt }] },
        { name: "vllm:generation_tokens_total", help: "Number of generation tokens processed.", type: "counter", samples: [{ labels, value: counters.generation }] },
        { name: "vllm:request_success_total", help: "Count of successfully processed requests.", type: "counter", samples: [{ labels: { ...labels, finished_reason: "length" }, value: counters.finished }] },
      ],
      (v) => (Number.isInteger(v) ? v.toFixed(1) : String(v)), // prometheus_client prints floats: "1.0"
    );
  };

  async function complete(kind: "chat" | "completion", req: IncomingMessage, res: ServerResponse) {
    const body = await readJson(req);
    requests.push(body);
    if (body.model !== model) return sendJson(res, 404, vllmError(`The model \`${String(body.model)}\` does not exist.`, "NotFoundError", 404));
    const started = await startGeneration(engine, kind, body, res);
    if (isRefusal(started)) {
      const tooLong = "code" in started.error && started.error.code === "context_length_exceeded";
      const message = tooLong ? `This model's maximum context length is ${engine.info.context_size} tokens. However, your request has more tokens than that. Please reduce the length of the messages or completion.` : started.error.message;
      return sendJson(res, started.status, vllmError(message, started.status === 400 ? "BadRequestError" : "InternalServerError", started.status));
    }
    const id = kind === "chat" ? `chatcmpl-${randomUUID().replace(/-/g, "")}` : `cmpl-${randomUUID().replace(/-/g, "")}`;
    const created = Math.floor(Date.now() / 1000);
    const head = { id, object: kind === "chat" ? "chat.completion.chunk" : "text_completion", created, model };
    const stream = body.stream === true;
    const send = stream ? sse(res) : null;
    if (send && kind === "chat") send({ ...head, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] });
    let text = "";
    let done: { finish_reason: string; usage: { prompt_tokens: number; completion_tokens: number } } | null = null;
    for await (const ev of events(started)) {
      if (ev.type === "delta") {
        text += ev.text;
        if (send) send({ ...head, choices: kind === "chat" ? [{ index: 0, delta: { content: ev.text }, logprobs: null, finish_reason: null }] : [{ index: 0, text: ev.text, logprobs: null, finish_reason: null, stop_reason: null }] });
      } else if (ev.type === "done") done = ev;
    }
    const u = done!.usage;
    counters.prompt += u.prompt_tokens;
    counters.generation += u.completion_tokens;
    counters.finished++;
    const usage = { prompt_tokens: u.prompt_tokens, total_tokens: u.prompt_tokens + u.completion_tokens, completion_tokens: u.completion_tokens, prompt_tokens_details: null };
    if (send) {
      send({ ...head, choices: kind === "chat" ? [{ index: 0, delta: { content: "" }, logprobs: null, finish_reason: done!.finish_reason, stop_reason: null }] : [{ index: 0, text: "", logprobs: null, finish_reason: done!.finish_reason, stop_reason: null }] });
      if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) send({ ...head, choices: [], usage });
      res.end("data: [DONE]\n\n");
      return;
    }
    const choice = kind === "chat" ? { index: 0, message: { role: "assistant", content: text, tool_calls: [] }, logprobs: null, finish_reason: done!.finish_reason, stop_reason: null } : { index: 0, text, logprobs: null, finish_reason: done!.finish_reason, stop_reason: null };
    sendJson(res, 200, { ...head, object: kind === "chat" ? "chat.completion" : "text_completion", choices: [choice], usage });
  }

  const listening = await listen(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    try {
      if (req.method === "GET" && path === "/health") return void res.writeHead(200, { "content-length": "0" }).end();
      if (req.method === "GET" && path === "/version") return sendJson(res, 200, { version: opts.version ?? "0.10.1.1" });
      if (req.method === "GET" && path === "/v1/models") {
        return sendJson(res, 200, {
          object: "list",
          data: [{ id: model, object: "model", created: Math.floor(Date.now() / 1000), owned_by: "vllm", root: engine.info.model_path, parent: null, max_model_len: engine.info.context_size, permission: [{ id: `modelperm-${randomUUID()}`, object: "model_permission", allow_sampling: true, is_blocking: false }] }],
        });
      }
      if (req.method === "GET" && path === "/metrics") return sendText(res, 200, metricsText(), "text/plain; version=0.0.4; charset=utf-8");
      if (req.method === "GET" && path === "/server_info" && opts.devMode) {
        return sendJson(res, 200, {
          vllm_config: {
            model_config: { model: engine.info.model_path, max_model_len: engine.info.context_size, quantization: null, dtype: "torch.float32" },
            scheduler_config: { max_num_seqs: engine.info.slots, max_num_batched_tokens: 8192 },
            cache_config: { block_size: 16 },
          },
          vllm_env: {},
          system_env: {},
        });
      }
      if (req.method === "POST" && path === "/v1/chat/completions") return await complete("chat", req, res);
      if (req.method === "POST" && path === "/v1/completions") return await complete("completion", req, res);
      sendJson(res, 404, { detail: "Not Found" }); // FastAPI's default
    } catch (err) {
      if (res.headersSent) return void res.end(`data: ${JSON.stringify(vllmError((err as Error).message, "InternalServerError", 500))}\n\n`);
      sendJson(res, 500, vllmError((err as Error).message, "InternalServerError", 500));
    }
  }, opts.port);
  return { ...listening, requests };
}
