// The pure parts of the llama-server and vLLM adapters, on response bodies shaped as the servers
// document them (llama.cpp tools/server/README.md; vLLM's /v1/models, /server_info and metrics).
import { describe, expect, it } from "vitest";
import { errorFromResponse, quantizationFromName } from "./http-helpers";
import { loadFromMetrics as llamaLoad, parseProps, parseSlots, servedMsFromTimings, usageFromTimings } from "./llama-server";
import { EngineRequestError } from "./types";
import { loadFromMetrics as vllmLoad, parseModels, parseServerInfo } from "./vllm";

describe("llama-server responses", () => {
  it("/props: total_slots, per-slot n_ctx, model_path, build_info", () => {
    expect(
      parseProps({
        default_generation_settings: { id: 0, id_task: -1, n_ctx: 1024, speculative: false, is_processing: false, params: { n_predict: -1 } },
        total_slots: 1,
        model_path: "../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        chat_template: "...",
        build_info: "b4500-adc5dd92",
        is_sleeping: false,
      }),
    ).toEqual({ total_slots: 1, n_ctx: 1024, model_path: "../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", build_info: "b4500-adc5dd92" });
    expect(() => parseProps({ error: { code: 404 } })).toThrow(/total_slots/);
  });

  it("/slots: count and busy slots", () => {
    expect(parseSlots([{ id: 0, n_ctx: 65536, is_processing: true }, { id: 1, n_ctx: 65536, is_processing: false }])).toEqual({ total: 2, processing: 1, n_ctx: 65536 });
  });

  it("/metrics: requests_processing and requests_deferred", () => {
    expect(llamaLoad("# TYPE llamacpp:requests_processing gauge\nllamacpp:requests_processing 3\nllamacpp:requests_deferred 2\n")).toEqual({ active: 3, queued: 2 });
    expect(llamaLoad("")).toEqual({ active: null, queued: null });
  });

  it("usage from the final chunk's timings: prompt = processed + cached", () => {
    expect(usageFromTimings({ choices: [], timings: { cache_n: 236, prompt_n: 1, prompt_ms: 30.9, predicted_n: 35, predicted_ms: 661 } })).toEqual({ prompt_tokens: 237, completion_tokens: 35 });
    expect(usageFromTimings({ choices: [] })).toBeNull();
    // Its own processing time (queue excluded) is the slot time the agent reports.
    expect(servedMsFromTimings({ choices: [], timings: { cache_n: 236, prompt_n: 1, prompt_ms: 30.9, predicted_n: 35, predicted_ms: 661 } })).toBeCloseTo(691.9);
    expect(servedMsFromTimings({ choices: [], timings: { predicted_n: 35 } })).toBeNull();
  });
});

describe("vLLM responses", () => {
  it("/v1/models: served name, root and max_model_len", () => {
    expect(parseModels({ object: "list", data: [{ id: "llama-8b", object: "model", owned_by: "vllm", root: "meta-llama/Llama-3.1-8B-Instruct", parent: null, max_model_len: 8192 }] })).toEqual({ id: "llama-8b", root: "meta-llama/Llama-3.1-8B-Instruct", max_model_len: 8192 });
    expect(() => parseModels({ object: "list", data: [] })).toThrow(/no model/);
  });

  it("/server_info (dev mode, JSON): max_num_seqs, quantization or dtype", () => {
    expect(parseServerInfo({ vllm_config: { scheduler_config: { max_num_seqs: 256 }, model_config: { quantization: "awq_marlin", dtype: "torch.float16" } } })).toEqual({ max_num_seqs: 256, quantization: "awq_marlin" });
    expect(parseServerInfo({ vllm_config: { scheduler_config: { max_num_seqs: 64 }, model_config: { quantization: null, dtype: "torch.bfloat16" } } })).toEqual({ max_num_seqs: 64, quantization: "bf16" });
    // The text form (config_format=text) is a repr string: nothing to read.
    expect(parseServerInfo({ vllm_config: "model='x', max_num_seqs=256" })).toEqual({ max_num_seqs: null, quantization: null });
  });

  it("/metrics: running, waiting and KV-cache usage; the pre-0.10 gpu_cache_usage_perc name too", () => {
    const labels = 'model_name="m"';
    expect(vllmLoad(`vllm:num_requests_running{${labels}} 4.0\nvllm:num_requests_waiting{${labels}} 7.0\nvllm:kv_cache_usage_perc{${labels}} 0.82\n`)).toEqual({ active: 4, queued: 7, kv_cache_usage: 0.82 });
    expect(vllmLoad(`vllm:num_requests_running{${labels}} 1.0\nvllm:gpu_cache_usage_perc{${labels}} 0.1\n`)).toEqual({ active: 1, queued: null, kv_cache_usage: 0.1 });
  });
});

describe("shared", () => {
  it.each([
    ["Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", "q4_k_m"],
    ["/models/qwen2.5-7b-instruct-iq4_xs.gguf", "iq4_xs"],
    ["gemma-2-9b-it-BF16.gguf", "bf16"],
    ["TheBloke/Llama-2-7B-AWQ", "awq"],
    ["neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8", "fp8"],
    ["meta-llama/Llama-3.1-8B-Instruct", null],
  ])("quantization of %s is %s", (name, q) => expect(quantizationFromName(name)).toBe(q));

  it("engine errors: context overflow (both servers' wording) and bad requests are the buyer's; 5xx are the provider's", async () => {
    const llama = await errorFromResponse(new Response(JSON.stringify({ error: { code: 400, message: "the request exceeds the available context size, try increasing it", type: "exceed_context_size_error" } }), { status: 400 }), "llama-server");
    expect(llama).toMatchObject({ code: "context_length_exceeded" });
    const vllm = await errorFromResponse(new Response(JSON.stringify({ object: "error", message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.", type: "BadRequestError", param: null, code: 400 }), { status: 400 }), "vllm");
    expect(vllm).toMatchObject({ code: "context_length_exceeded" });
    const bad = await errorFromResponse(new Response(JSON.stringify({ error: { message: "temperature must be ≥ 0", type: "BadRequestError" } }), { status: 400 }), "vllm");
    expect(bad).toBeInstanceOf(EngineRequestError);
    expect(bad).toMatchObject({ code: "invalid_request" });
    const down = await errorFromResponse(new Response("upstream connect error", { status: 502 }), "vllm");
    expect(down).not.toBeInstanceOf(EngineRequestError);
    expect(down.message).toBe("vllm answered HTTP 502: upstream connect error");
  });
});
