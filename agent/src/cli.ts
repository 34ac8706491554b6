#!/usr/bin/env -S npx tsx
import { basename } from "node:path";
import { parseArgs } from "node:util";

const USAGE = `spotlane-agent: sell your GPU's inference capacity on Spotlane, by the second.

Usage: npm run agent -- --server URL --token TOKEN --model path/to/model.gguf [options]

  --server URL        marketplace base URL (e.g. http://127.0.0.1:3000)
  --token TOKEN       agent token from the dashboard (Provider → Agent tokens); or SPOTLANE_AGENT_TOKEN
  --model PATH        GGUF model file served with embedded llama.cpp
  --model-id ID       canonical model id buyers use (default: file name + quantization)
  --ask USD           floor price per slot-second in USD (default 0.0001)
  --slots N           concurrent generations (default 2)
  --context N         context tokens per slot (default 2048)
  --threads N         CPU threads for llama.cpp (default: 1 on ≤2 cores)
  --gpu               use the GPU build of llama.cpp (CUDA/Vulkan/Metal) when present
  --name NAME         machine name (default: hostname)
  --host ADDR         listen address (default 127.0.0.1; 0.0.0.0 for remote marketplaces)
  --port N            listen port (default: any free port)
  --public-url URL    URL the marketplace uses to reach this agent (default http://host:port)
`;

function fail(msg: string): never {
  console.error(`${msg}\n\n${USAGE}`);
  process.exit(2);
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) fail(`--${name} must be a positive integer`);
  return n;
}

const FLAGS = {
  server: { type: "string" },
  token: { type: "string" },
  model: { type: "string" },
  "model-id": { type: "string" },
  ask: { type: "string", default: "0.0001" },
  slots: { type: "string", default: "2" },
  context: { type: "string", default: "2048" },
  threads: { type: "string" },
  gpu: { type: "boolean", default: false },
  name: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  "public-url": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function parseFlags() {
  try {
    return parseArgs({ options: FLAGS }).values;
  } catch (err) {
    // Unknown flags, missing values, stray positionals: a usage error like the checks below.
    fail((err as Error).message);
  }
}

async function main() {
  const values = parseFlags();
  if (values.help) return void console.log(USAGE);
  const token = values.token ?? process.env.SPOTLANE_AGENT_TOKEN;
  if (!values.server) fail("--server is required");
  if (!URL.canParse(values.server)) fail("--server must be a URL like http://127.0.0.1:3000");
  if (values["public-url"] !== undefined && !URL.canParse(values["public-url"])) fail("--public-url must be a URL like http://203.0.113.7:8080");
  if (!token) fail("--token is required");
  if (!values.model) fail("--model is required");
  if (!/^\d+(\.\d{1,9})?$/.test(values.ask!)) fail("--ask must be a USD amount like 0.0001");
  // Every flag is checked before the model loads, so a typo fails in milliseconds, not after a benchmark.
  const slots = positiveInt(values.slots, "slots")!;
  const contextSize = positiveInt(values.context, "context");
  const maxThreads = positiveInt(values.threads, "threads");
  const port = positiveInt(values.port, "port");

  // Loaded only now: llama.cpp bindings take most of a second to import, and usage errors and --help should not wait.
  const [{ createEmbeddedEngine }, { runAgent }] = await Promise.all([import("./engine/embedded"), import("./run-agent")]);
  const engine = await createEmbeddedEngine({
    modelPath: values.model,
    slots,
    contextSize,
    maxThreads,
    gpu: values.gpu ? "auto" : false,
  });
  const modelId = values["model-id"] ?? `${basename(values.model).replace(/\.gguf$/i, "").toLowerCase()}:${engine.info.quantization}`;
  const agent = await runAgent({
    serverUrl: values.server,
    token,
    engine,
    modelId,
    askUsdPerSecond: values.ask!,
    name: values.name,
    host: values.host,
    port,
    publicUrl: values["public-url"],
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    agent.drain().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(`[agent] ${(err as Error).message}`);
  process.exit(1);
});
