import { statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { usdToNanos } from "../../lib/money";
import type { BenchmarkResult, RegisterMachineResponse } from "../../lib/wire/agent";
import { runBenchmark } from "./benchmark/index";
import type { Engine } from "./engine/types";
import { detectHardware } from "./hardware";
import { MarketplaceClient, MarketplaceError } from "./marketplace-client";
import { createAgentHttp } from "./serve-http";

export const AGENT_VERSION = "0.1.0";

export type AgentOptions = {
  serverUrl: string;
  token: string;
  engine: Engine;
  modelId: string;
  /** USD per slot-second, as a decimal string (exact). */
  askUsdPerSecond: string;
  name?: string;
  /** Interface the agent listens on, and the URL the marketplace should call. */
  host?: string;
  port?: number;
  publicUrl?: string;
  /** Skip the benchmark and claim these figures (tests of dishonest agents use this). */
  benchmark?: BenchmarkResult;
  /** Replaces the detected hardware class (e.g. the GPU the engine really runs on in a mixed box). */
  hardwareClass?: string;
  log?: (msg: string) => void;
};

export type RunningAgent = { url: string; machineId: () => string | null; drain(timeout_ms?: number): Promise<void> };

/** Size of a local model file (embedded engine); external engines report a URL, not a file. */
function modelSizeBytes(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (so shutdown never waits out a backoff). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    if (signal?.aborted) return r();
    const onAbort = () => (clearTimeout(t), r());
    // The listener must go when the timer fires: the heartbeat loop sleeps on one signal for days.
    const t = setTimeout(() => (signal?.removeEventListener("abort", onAbort), r()), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Benchmark → listen → register → heartbeat; `drain()` refuses new work, finishes in-flight requests and goes offline. */
export async function runAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log = opts.log ?? ((m: string) => console.log(`[agent] ${m}`));
  const client = new MarketplaceClient(opts.serverUrl, opts.token);
  const hardware = await detectHardware({ hardwareClass: opts.hardwareClass });
  const benchmark = opts.benchmark ?? (await runBenchmark(opts.engine));
  log(`hardware ${hardware.hardware_class}; benchmark: decode ${benchmark.decode_tokens_per_second.toFixed(0)} tok/s, prefill ${benchmark.prefill_tokens_per_second.toFixed(0)} tok/s, TTFT ${benchmark.ttft_ms} ms`);

  let registration: RegisterMachineResponse | null = null;
  const http = createAgentHttp({ engine: opts.engine, modelId: opts.modelId, secret: () => registration?.machine_secret ?? null });
  await new Promise<void>((ok, fail) => http.server.once("error", fail).listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => ok()));
  const port = (http.server.address() as AddressInfo).port;
  const url = opts.publicUrl ?? `http://${opts.host && opts.host !== "0.0.0.0" ? opts.host : "127.0.0.1"}:${port}`;

  const request = {
    name: opts.name ?? hostname(),
    agent_version: AGENT_VERSION,
    endpoint_url: url,
    hardware,
    offers: [
      {
        model_id: opts.modelId,
        slots: opts.engine.info.slots,
        ask_nanos_per_second: usdToNanos(opts.askUsdPerSecond).toString(),
        engine: opts.engine.info.engine,
        engine_version: opts.engine.info.engine_version,
        context_size: opts.engine.info.context_size,
        // The marketplace bounds plausible decode speed by memory bandwidth ÷ model size.
        ...(modelSizeBytes(opts.engine.info.model_path) ? { model_size_bytes: modelSizeBytes(opts.engine.info.model_path) } : {}),
        capabilities: opts.engine.capabilities,
        benchmark,
      },
    ],
  };

  let stopped = false;
  const stopLoop = new AbortController();
  let draining = false;
  const register = async () => {
    for (let backoff_ms = 500; !stopped; backoff_ms = Math.min(backoff_ms * 2, 30_000)) {
      try {
        registration = await client.register(request);
        log(`registered machine ${registration.machine_id} serving ${opts.modelId} at ${url}`);
        return;
      } catch (err) {
        // 401 (bad token) and 400 (e.g. an implausible claim) will not change by retrying: stop and say why.
        if (err instanceof MarketplaceError && (err.status === 401 || err.status === 400)) throw err;
        log(`marketplace unreachable (${(err as Error).message}); retrying in ${backoff_ms} ms`);
        await sleep(backoff_ms, stopLoop.signal);
      }
    }
  };
  await register();

  const heartbeatOnce = async () => {
    if (!registration) return;
    const load = opts.engine.load();
    await client.heartbeat({
      machine_id: registration.machine_id,
      draining,
      offers: registration.offers.map((o) => ({ offer_id: o.offer_id, active_slots: load.active_slots, slots: load.slots })),
    });
  };
  // Keeps serving in-flight work while the marketplace is away; re-registers if it forgot us.
  const loop = (async () => {
    let backoff_ms = registration!.heartbeat_interval_ms;
    while (!stopped) {
      await sleep(backoff_ms, stopLoop.signal);
      if (stopped) break;
      try {
        await heartbeatOnce();
        backoff_ms = registration!.heartbeat_interval_ms;
      } catch (err) {
        if (err instanceof MarketplaceError && err.status === 404) await register();
        else {
          // Capped at two intervals: the marketplace calls a machine stale after a few missed
          // heartbeats, so a longer backoff would keep it out of routing long after it came back.
          backoff_ms = Math.min(backoff_ms * 2, 2 * registration!.heartbeat_interval_ms);
          log(`heartbeat failed (${(err as Error).message}); next try in ${backoff_ms} ms`);
        }
      }
    }
  })();

  let drained: Promise<void> | null = null;
  return {
    url,
    machineId: () => registration?.machine_id ?? null,
    drain(timeout_ms = 30_000) {
      drained ??= (async () => {
        draining = true;
        log("draining: refusing new requests, finishing in-flight ones");
        // Tell the marketplace first, so it stops routing here before the agent starts refusing.
        await heartbeatOnce().catch(() => {});
        http.startDraining();
        const deadline = Date.now() + timeout_ms;
        while (http.inflight() > 0 && Date.now() < deadline) await sleep(50);
        stopped = true;
        stopLoop.abort();
        // A heartbeat still in flight would land after the offline notice and mark the machine draining again.
        await loop;
        if (registration) await client.offline(registration.machine_id).catch(() => {});
        // Past the deadline, in-flight streams are cut here (the gateway reports a provider failure and bills nothing).
        const closed = new Promise<void>((ok) => http.server.close(() => ok()));
        http.server.closeAllConnections();
        await closed;
        await opts.engine.close();
        log("stopped");
      })();
      return drained;
    },
  };
}
