// The checks `spotlane-agent doctor` runs. Each returns a verdict and one line of detail that
// says what was found and, when something is wrong, what to do.
import type { AddressInfo } from "node:net";
import type { AgentConfig } from "../config/settings";
import { describeFetchError } from "../engine/http-helpers";
import { NO_CAPABILITIES, type Engine } from "../engine/types";
import { MarketplaceClient } from "../marketplace-client";
import { createAgentHttp } from "../serve-http";
import { clockSkew, skewVerdict } from "./clock";
import { inspectGguf } from "./gguf";

export type Verdict = "ok" | "warn" | "fail" | "skip";
export type CheckResult = { name: string; verdict: Verdict; detail: string };

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toLocaleString("en-US", { maximumFractionDigits: 0 })} MiB`;

export async function checkHardware(config: AgentConfig): Promise<CheckResult> {
  const { detectHardwareWithNotes } = await import("../hardware");
  const { report, notes } = await detectHardwareWithNotes({ hardwareClass: config.hardware_class });
  const gpus = report.gpus.filter((g) => g.hardware_class === report.hardware_class).length;
  const bw = report.memory_bandwidth_gb_per_second ? `, ${report.memory_bandwidth_gb_per_second} GB/s` : "";
  const detail = report.hardware_class === "cpu" ? `cpu (${report.cpu_model}, ${report.cpu_cores} cores)${notes.length > 0 ? `; ${notes.join("; ")}` : ""}` : `${report.hardware_class} ×${gpus}${bw} (${report.detected_by})`;
  return { name: "hardware", verdict: "ok", detail };
}

export async function checkModelFile(config: AgentConfig): Promise<CheckResult> {
  if (config.engine !== "embedded" || !config.model) return { name: "model file", verdict: "skip", detail: `the ${config.engine} engine loads its own model` };
  try {
    const info = await inspectGguf(config.model);
    return { name: "model file", verdict: "ok", detail: `${config.model}: GGUF v${info.version}, ${mb(info.size_bytes)}` };
  } catch (err) {
    return { name: "model file", verdict: "fail", detail: (err as Error).message };
  }
}

/** Opens the engine and generates a few tokens; the engine stays open for the endpoint check. */
export async function checkEngine(config: AgentConfig, open: () => Promise<Engine>): Promise<{ result: CheckResult; engine: Engine | null }> {
  if (config.engine === "embedded" && !config.model) return { result: { name: "engine", verdict: "fail", detail: "no --model (or --engine llama-server|vllm with --engine-url)" }, engine: null };
  if (config.engine !== "embedded" && !config.engine_url) return { result: { name: "engine", verdict: "fail", detail: `--engine ${config.engine} needs --engine-url` }, engine: null };
  let engine: Engine;
  try {
    engine = await open();
  } catch (err) {
    return { result: { name: "engine", verdict: "fail", detail: describeFetchError(err) }, engine: null };
  }
  try {
    const t0 = performance.now();
    let tokens = 0;
    for await (const ev of engine.generate({ prompt: "Hello", max_tokens: 4, temperature: 0 }, AbortSignal.timeout(60_000))) if (ev.type === "done") tokens = ev.usage.completion_tokens;
    const { info } = engine;
    return {
      result: { name: "engine", verdict: "ok", detail: `${info.engine} (${info.engine_version}), ${info.quantization}, ${info.slots} slot(s), context ${info.context_size}: generated ${tokens} tokens in ${Math.round(performance.now() - t0)} ms` },
      engine,
    };
  } catch (err) {
    return { result: { name: "engine", verdict: "fail", detail: `loaded but could not generate: ${(err as Error).message}` }, engine };
  }
}

export type MarketplaceProbe = { result: CheckResult; date: string | null; sent_ms: number; received_ms: number };

export async function checkMarketplace(config: AgentConfig): Promise<MarketplaceProbe> {
  const sent_ms = Date.now();
  if (!config.server) return { result: { name: "marketplace", verdict: "fail", detail: "no --server" }, date: null, sent_ms, received_ms: sent_ms };
  try {
    const res = await fetch(new URL("/healthz", config.server), { signal: AbortSignal.timeout(10_000) });
    const received_ms = Date.now();
    await res.arrayBuffer().catch(() => undefined);
    const verdict: Verdict = res.ok ? "ok" : res.status < 500 ? "warn" : "fail";
    return { result: { name: "marketplace", verdict, detail: `${config.server} answered HTTP ${res.status} in ${received_ms - sent_ms} ms` }, date: res.headers.get("date"), sent_ms, received_ms };
  } catch (err) {
    return { result: { name: "marketplace", verdict: "fail", detail: `${config.server} unreachable: ${describeFetchError(err)}` }, date: null, sent_ms, received_ms: Date.now() };
  }
}

export function checkClock(probe: MarketplaceProbe): CheckResult {
  if (!probe.date) return { name: "clock", verdict: "skip", detail: "no Date header from the marketplace to compare with" };
  const skew = clockSkew(probe.date, probe.sent_ms, probe.received_ms);
  if (!skew) return { name: "clock", verdict: "skip", detail: `unreadable Date header: ${probe.date}` };
  const verdict = skewVerdict(skew);
  const direction = skew.skew_ms >= 0 ? "ahead of" : "behind";
  const advice = verdict === "ok" ? "" : verdict === "warn" ? "; enable time sync (NTP) before it reaches 30 s" : "; signed requests are refused as stale: enable time sync (NTP)";
  return { name: "clock", verdict, detail: `${(Math.abs(skew.skew_ms) / 1000).toFixed(1)} s ${direction} the marketplace (±${(skew.uncertainty_ms / 1000).toFixed(1)} s; signatures allow 30 s)${advice}` };
}

export async function checkToken(config: AgentConfig): Promise<CheckResult> {
  if (!config.server || !config.token) return { name: "token", verdict: "fail", detail: config.token ? "no --server to check it against" : "no --token (create one on the dashboard: Provider → Agent tokens)" };
  try {
    const verdict = await new MarketplaceClient(config.server, config.token, 10_000).checkToken();
    if (verdict.ok) return { name: "token", verdict: "ok", detail: "accepted by the marketplace" };
    return { name: "token", verdict: "fail", detail: `refused by the marketplace (HTTP ${verdict.status}): ${verdict.message}` };
  } catch (err) {
    return { name: "token", verdict: "fail", detail: `could not ask: ${describeFetchError(err)}` };
  }
}

// /health needs an engine only for its load figures.
const idleEngine: Engine = {
  info: { engine: "none", engine_version: "", model_path: "", slots: 1, context_size: 1, quantization: "unknown" },
  capabilities: NO_CAPABILITIES,
  generate: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("doctor serves no generations")) }) }),
  load: () => ({ active_slots: 0, slots: 1, queued_requests: 0 }),
  close: async () => {},
};

const isLoopback = (host: string) => host === "localhost" || host === "::1" || host.startsWith("127.") || host === "[::1]";

/** Listens where `serve` would, then fetches /health through the URL the marketplace would use. */
export async function checkEndpoint(config: AgentConfig, engine: Engine | null): Promise<CheckResult> {
  const host = config.host ?? "127.0.0.1";
  const http = createAgentHttp({ engine: engine ?? idleEngine, modelId: "doctor", secret: () => null });
  let listening = true;
  try {
    await new Promise<void>((ok, fail) => http.server.once("error", fail).listen(config.port ?? 0, host, () => ok()));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") return { name: "agent endpoint", verdict: "fail", detail: `cannot listen on ${host}:${config.port}: ${(err as Error).message}` };
    listening = false; // an agent (or something else) already runs there: probe it as is
  }
  const port = listening ? (http.server.address() as AddressInfo).port : config.port!;
  const url = config.public_url ?? `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`;
  try {
    const res = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json().catch(() => null)) as { status?: string } | null;
    if (!body?.status) return { name: "agent endpoint", verdict: "fail", detail: `${url}/health answered HTTP ${res.status}, but not as a Spotlane agent (is the port taken by something else?)` };
    const note = listening ? "" : " (an agent is already running there)";
    const remote = config.server && !isLoopback(new URL(config.server).hostname);
    if (remote && !config.public_url) {
      return { name: "agent endpoint", verdict: "warn", detail: `reachable at ${url}${note}, but the marketplace is on another machine: set --host 0.0.0.0 --port N --public-url http://THIS-MACHINE:N` };
    }
    return { name: "agent endpoint", verdict: "ok", detail: `reachable at ${url}${note}${config.public_url ? " from this machine (open the port to the marketplace too)" : ""}` };
  } catch (err) {
    return { name: "agent endpoint", verdict: "fail", detail: `${url} unreachable from this machine: ${describeFetchError(err)}` };
  } finally {
    if (listening) {
      await new Promise<void>((ok) => {
        http.server.close(() => ok());
        http.server.closeAllConnections();
      });
    }
  }
}
