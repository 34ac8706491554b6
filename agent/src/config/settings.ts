// Every setting the agent reads, once: its flag, its SPOTLANE_AGENT_* variable, its config-file
// key, how it is checked, and its default. Precedence: config file < environment < flags.
import { z } from "zod";

export const ENGINES = ["embedded", "llama-server", "vllm"] as const;
export type EngineKind = (typeof ENGINES)[number];

const url = (flag: string, example: string) => z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), { error: `--${flag} must be a URL like ${example}` });
const positiveInt = (flag: string) => z.coerce.number({ error: `--${flag} must be a positive integer` }).int({ error: `--${flag} must be a positive integer` }).positive({ error: `--${flag} must be a positive integer` });
const text = z.coerce.string().min(1);
const bool = (flag: string) =>
  z.union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => ["true", "1", "yes"].includes(v))], { error: `--${flag} must be true or false` });

/** In check order: a usage error names the first problem in this order, so related flags fail predictably. */
export const SETTINGS = {
  server: { schema: url("server", "http://127.0.0.1:3000"), help: "marketplace base URL (e.g. http://127.0.0.1:3000)" },
  public_url: { schema: url("public-url", "http://203.0.113.7:8080"), help: "URL the marketplace uses to reach this agent (default http://host:port)" },
  token: { schema: text, help: "agent token from the dashboard (Provider → Agent tokens)" },
  engine: { schema: z.enum(ENGINES, { error: `--engine must be one of ${ENGINES.join(", ")}` }), help: "embedded (llama.cpp in this process), llama-server or vllm", default: "embedded" as EngineKind },
  engine_url: { schema: url("engine-url", "http://127.0.0.1:8080"), help: "base URL of the llama-server or vLLM server" },
  engine_api_key: { schema: text, help: "API key the engine server was started with (--api-key)" },
  model: { schema: text, help: "GGUF model file served with embedded llama.cpp" },
  model_id: { schema: z.string().min(1).max(200), help: "canonical model id buyers use (default: file or served name + quantization)" },
  ask: { schema: z.coerce.string().regex(/^\d+(\.\d{1,9})?$/, { error: "--ask must be a USD amount like 0.0001" }), help: "floor price per slot-second in USD", default: "0.0001" },
  slots: { schema: positiveInt("slots"), help: "concurrent generations (embedded default 2; llama-server: its --parallel; vLLM: its --max-num-seqs)" },
  context: { schema: positiveInt("context"), help: "context tokens per slot, embedded engine", default: 2048 },
  threads: { schema: positiveInt("threads"), help: "CPU threads for embedded llama.cpp (default: 1 on ≤2 cores)" },
  gpu: { schema: bool("gpu"), help: "use the GPU build of embedded llama.cpp (CUDA/Vulkan/Metal) when present", default: false },
  name: { schema: z.string().min(1).max(120), help: "machine name (default: hostname)" },
  host: { schema: text, help: "listen address (default 127.0.0.1; 0.0.0.0 for remote marketplaces)" },
  port: { schema: positiveInt("port").max(65535, { error: "--port must be a positive integer" }), help: "listen port (default: any free port)" },
  hardware_class: { schema: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, { error: "--hardware-class must look like nvidia-rtx-4090" }), help: "override the detected hardware class (e.g. the GPU the engine really runs on)" },
  engine_ready_timeout_s: { schema: positiveInt("engine-ready-timeout-s"), help: "seconds to wait for an external engine to load its model", default: 600 },
} as const;

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export const flagOf = (key: SettingKey) => key.replace(/_/g, "-");
export const envOf = (key: SettingKey) => `SPOTLANE_AGENT_${key.toUpperCase()}`;

export type AgentConfig = {
  [K in SettingKey]: (typeof SETTINGS)[K] extends { default: infer D } ? z.output<(typeof SETTINGS)[K]["schema"]> | D : z.output<(typeof SETTINGS)[K]["schema"]> | undefined;
} & { engine: EngineKind; ask: string; context: number; gpu: boolean; engine_ready_timeout_s: number };

/** The config file: JSON, keys as above (snake_case), unknown keys refused (a typo must not pass silently). */
export const configFile = z.strictObject(Object.fromEntries(SETTING_KEYS.map((k) => [k, z.union([z.string(), z.number(), z.boolean()]).optional()])) as Record<SettingKey, z.ZodOptional<z.ZodUnion<[z.ZodString, z.ZodNumber, z.ZodBoolean]>>>);
