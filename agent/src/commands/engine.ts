// Opens the engine a configuration names: embedded llama.cpp on a GGUF file, or an external
// llama-server / vLLM reached over HTTP. The heavy llama.cpp bindings load only when needed.
import { basename } from "node:path";
import type { AgentConfig } from "../config/settings";
import type { Engine } from "../engine/types";

export const DEFAULT_EMBEDDED_SLOTS = 2;

export type OpenEngineOverrides = { slots?: number; context?: number; readyTimeout_ms?: number };

export async function openEngine(config: AgentConfig, log: (msg: string) => void, overrides: OpenEngineOverrides = {}): Promise<Engine> {
  const readyTimeout_ms = overrides.readyTimeout_ms ?? config.engine_ready_timeout_s * 1000;
  switch (config.engine) {
    case "embedded": {
      const { createEmbeddedEngine } = await import("../engine/embedded");
      return createEmbeddedEngine({
        modelPath: config.model!,
        slots: overrides.slots ?? config.slots ?? DEFAULT_EMBEDDED_SLOTS,
        contextSize: overrides.context ?? config.context,
        maxThreads: config.threads,
        gpu: config.gpu ? "auto" : false,
      });
    }
    case "llama-server": {
      const { connectLlamaServer } = await import("../engine/llama-server");
      return connectLlamaServer({ url: config.engine_url!, slots: overrides.slots ?? config.slots, apiKey: config.engine_api_key, readyTimeout_ms, log });
    }
    case "vllm": {
      const { connectVllm } = await import("../engine/vllm");
      return connectVllm({ url: config.engine_url!, slots: overrides.slots ?? config.slots, apiKey: config.engine_api_key, readyTimeout_ms, log });
    }
  }
}

/** "Llama-3.1-8B-Instruct-Q4_K_M.gguf" served at q4_k_m → "llama-3.1-8b-instruct-q4_k_m:q4_k_m"; vLLM "org/Name" → "name:quant". */
export function defaultModelId(engine: Engine): string {
  const name = basename(engine.info.model_path || "model").replace(/\.gguf$/i, "").toLowerCase();
  return `${name}:${engine.info.quantization}`;
}
