/**
 * A fast fake inference engine for gateway benchmarks: answers instantly with a fixed small
 * response (N deltas), so what a benchmark measures is the HTTP path around it, not inference.
 *
 * - `createFakeEngine` implements the agent's `Engine` contract (agent/src/engine/types.ts), so the
 *   real agent HTTP layer serves it, signature checks included, for Spotlane.
 * - `serveUnsigned` serves the same engine as a plain OpenAI-compatible server (same body parsing and
 *   response shapes as the agent, no signatures) for the direct and Portkey runs.
 * - Run as a script it starts both: `tsx bench/fake-engine.ts` with FAKE_ENGINE (JSON, see `Config`)
 *   in the environment, and prints one JSON line `{"direct_url", "agent_url"}` once both are ready.
 *
 * A request whose prompt contains `[hold_ms=N]` spreads its deltas over N ms instead (holding a
 * stream open, to test many concurrent streams).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { NO_CAPABILITIES, type Engine, type EngineEvent, type GenerateRequest } from "../agent/src/engine/types";
import { chatCompletionRequest, completionRequest } from "../lib/wire/openai";
import type { AgentRequestBody } from "../agent/src/openai-format";
import { readBody, sendError, serveGeneration } from "../agent/src/serve-http";

export const FAKE_MODEL_ID = "bench-fake-llama:f16";

export type FakeEngineOptions = {
  /** Deltas per response (each one SSE chunk when streamed); capped by the request's max_tokens. */
  chunks: number;
  /** Text of each delta. */
  chunkText?: string;
  /** Concurrent generations the engine claims (the marketplace queues up to 4× this). */
  slots: number;
};

const HOLD = /\[hold_ms=(\d+)\]/;

function promptText(req: GenerateRequest): string {
  return req.prompt ?? (req.messages ?? []).map((m) => m.content).join("\n");
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((ok, fail) => {
    if (signal.aborted) return fail(signal.reason);
    const onAbort = () => (clearTimeout(t), fail(signal.reason));
    const t = setTimeout(() => (signal.removeEventListener("abort", onAbort), ok()), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

export function createFakeEngine(opts: FakeEngineOptions): Engine {
  const text = opts.chunkText ?? " token";
  let active = 0;
  return {
    info: { engine: "bench-fake", engine_version: "1", model_path: "(none)", slots: opts.slots, context_size: 8192, quantization: "f16" },
    capabilities: NO_CAPABILITIES,
    load: () => ({ active_slots: Math.min(active, opts.slots), slots: opts.slots, queued_requests: Math.max(0, active - opts.slots) }),
    close: async () => {},
    generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<EngineEvent> {
      const n = Math.max(1, Math.min(req.max_tokens, opts.chunks));
      const prompt = promptText(req);
      const hold_ms = Number(HOLD.exec(prompt)?.[1] ?? 0);
      return (async function* () {
        active++;
        const started_ms = performance.now();
        try {
          for (let i = 0; i < n; i++) {
            // The first delta is immediate; a held stream spreads the rest over hold_ms.
            if (hold_ms > 0 && i > 0) await sleep(hold_ms / Math.max(1, n - 1), signal);
            signal.throwIfAborted();
            yield { type: "delta", text } as const;
          }
          yield { type: "done", finish_reason: "length", usage: { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: n }, served_ms: Math.round(performance.now() - started_ms) } as const;
        } finally {
          active--;
        }
      })();
    },
  };
}

/** The engine as a plain OpenAI-compatible server (no signatures): what "calling the engine directly" means. */
export async function serveUnsigned(engine: Engine, modelId: string, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0]!;
    const kind = path === "/v1/chat/completions" ? "chat" : path === "/v1/completions" ? "completion" : null;
    if (req.method !== "POST" || !kind) return sendError(res, 404, `Unknown endpoint ${req.method} ${path}`, "not_found");
    try {
      const parsed = (kind === "chat" ? chatCompletionRequest : completionRequest).safeParse(JSON.parse(await readBody(req)));
      if (!parsed.success) return sendError(res, 400, parsed.error.issues[0]?.message ?? "invalid request", "invalid_request");
      // The agent's own response path (same shapes, same streaming), minus the signature check.
      await serveGeneration(engine, modelId, { ...parsed.data, kind } as AgentRequestBody, res, performance.now());
    } catch (err) {
      if (res.headersSent) return void res.end();
      sendError(res, 500, (err as Error).message, "engine_error");
    }
  }
  // Bench fake: `void`, so a throw escaping the handler surfaces as an unhandled rejection and stops the run loudly.
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((ok, fail) => server.once("error", fail).listen(port, "127.0.0.1", () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** FAKE_ENGINE for the script form; `serverUrl` + `agentToken` also register a signed agent with Spotlane. */
export type Config = FakeEngineOptions & { serverUrl?: string; agentToken?: string; askUsdPerSecond?: string; modelId?: string };

async function main() {
  const config = JSON.parse(process.env.FAKE_ENGINE ?? "{}") as Partial<Config>;
  const modelId = config.modelId ?? FAKE_MODEL_ID;
  const engine = createFakeEngine({ chunks: config.chunks ?? 16, chunkText: config.chunkText, slots: config.slots ?? 1024 });
  const direct = await serveUnsigned(engine, modelId);
  let agentUrl: string | null = null;
  let drain = async () => {};
  if (config.serverUrl && config.agentToken) {
    const { runAgent } = await import("../agent/src/run-agent");
    const agent = await runAgent({
      serverUrl: config.serverUrl,
      token: config.agentToken,
      engine,
      modelId,
      askUsdPerSecond: config.askUsdPerSecond ?? "0.000001",
      name: "bench-fake",
      // Claimed, not measured: the fake answers instantly. Modest figures keep the marketplace's holds small.
      benchmark: { decode_tokens_per_second: 2000, prefill_tokens_per_second: 20000, ttft_ms: 5 },
      log: () => {},
    });
    agentUrl = agent.url;
    drain = () => agent.drain(2_000);
  }
  process.stdout.write(JSON.stringify({ direct_url: direct.url, agent_url: agentUrl, pid: process.pid }) + "\n");
  const stop = async () => {
    await drain().catch(() => {});
    await direct.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
