import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { usdToNanos } from "../../lib/money";
import type { BenchmarkResult, RegisterMachineResponse } from "../../lib/wire/agent";
import { runBenchmark } from "./benchmark";
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
  log?: (msg: string) => void;
};

export type RunningAgent = { url: string; machineId: () => string | null; drain(timeout_ms?: number): Promise<void> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Benchmark → listen → register → heartbeat; `drain()` refuses new work, finishes in-flight requests and goes offline. */
export async function runAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log = opts.log ?? ((m: string) => console.log(`[agent] ${m}`));
  const client = new MarketplaceClient(opts.serverUrl, opts.token);
  const hardware = await detectHardware();
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
        benchmark,
      },
    ],
  };

  let stopped = false;
  let draining = false;
  const register = async () => {
    for (let backoff_ms = 500; !stopped; backoff_ms = Math.min(backoff_ms * 2, 30_000)) {
      try {
        registration = await client.register(request);
        log(`registered machine ${registration.machine_id} serving ${opts.modelId} at ${url}`);
        return;
      } catch (err) {
        if (err instanceof MarketplaceError && err.status === 401) throw err;
        log(`marketplace unreachable (${(err as Error).message}); retrying in ${backoff_ms} ms`);
        await sleep(backoff_ms);
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
      await sleep(backoff_ms);
      if (stopped) break;
      try {
        await heartbeatOnce();
        backoff_ms = registration!.heartbeat_interval_ms;
      } catch (err) {
        if (err instanceof MarketplaceError && err.status === 404) await register();
        else {
          backoff_ms = Math.min(backoff_ms * 2, 30_000);
          log(`heartbeat failed (${(err as Error).message}); next try in ${backoff_ms} ms`);
        }
      }
    }
  })();

  return {
    url,
    machineId: () => registration?.machine_id ?? null,
    async drain(timeout_ms = 30_000) {
      if (draining) return;
      draining = true;
      http.startDraining();
      log("draining: refusing new requests, finishing in-flight ones");
      await heartbeatOnce().catch(() => {});
      const deadline = Date.now() + timeout_ms;
      while (http.inflight() > 0 && Date.now() < deadline) await sleep(50);
      stopped = true;
      if (registration) await client.offline(registration.machine_id).catch(() => {});
      await new Promise<void>((ok) => {
        http.server.close(() => ok());
        http.server.closeIdleConnections();
      });
      http.server.closeAllConnections();
      await loop;
      await opts.engine.close();
      log("stopped");
    },
  };
}
