/**
 * `npm run bench:gateway`: what Spotlane's gateway adds on top of an engine, measured side by side
 * with the Portkey gateway (`@portkey-ai/gateway`) in one run on this machine. All traffic stays on
 * 127.0.0.1; every server listens on a free port; the whole run is bounded (< 3 min).
 *
 * Processes: the fake engine (bench/fake-engine.ts: an unsigned OpenAI-compatible server, plus the
 * real agent HTTP layer serving the same engine with signature checks, registered with Spotlane),
 * Spotlane (bench/spotlane-server.ts), Portkey (its own bin), and this process as the client.
 *
 *   direct    client → engine
 *   spotlane  client → Spotlane gateway → (signed) agent → engine
 *   portkey   client → Portkey → engine            (provider "openai", custom host = the engine)
 *
 * Measures: latency added at concurrency 1 (non-streamed total time, and streamed time to first
 * token), p50 and p99; max requests/s at 64 connections (autocannon, non-streamed); and whether
 * 1,000 concurrent streams are held open without errors. Options: --quick (shorter runs),
 * --json (also write bench/results/gateway-<time>.json). BENCH_DATABASE_URL → Spotlane on PostgreSQL;
 * BENCH_PROFILE_DIR → a CPU profile of the Spotlane process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import autocannon from "autocannon";
import { FAKE_MODEL_ID } from "./fake-engine";

const root = resolve(import.meta.dirname, "..");
const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const CHUNKS = 16;
const RUN = {
  latency_warmup: QUICK ? 30 : 100,
  latency_n: QUICK ? 150 : 500,
  /** Per round; targets take turns for `rps_rounds` rounds and the best round counts (noise only slows). */
  rps_duration_s: QUICK ? 2 : 3,
  rps_rounds: QUICK ? 1 : 3,
  rps_connections: 64,
  streams: 1000,
  stream_hold_ms: QUICK ? 5000 : 10_000,
  /** Streams still open this long after the hold are cut and counted as failed. */
  stream_grace_ms: 25_000,
};
const HARD_LIMIT_MS = 175_000;

type TargetName = "direct" | "spotlane" | "portkey";
type Target = { name: TargetName; base: string; headers: Record<string, string>; model: string };

// ---------------------------------------------------------------------------------------------
// Child processes

const children: ChildProcess[] = [];

/** Spawns a TypeScript entry point and resolves with the first JSON line it prints. */
function spawnTs(file: string, env: Record<string, string>, execArgv: string[] = []): Promise<{ child: ChildProcess; info: Record<string, string> }> {
  const child = spawn(process.execPath, [...execArgv, "--import", "tsx", join(root, file)], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((ok, fail) => {
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => l.trim().startsWith("{"));
      if (line) ok({ child, info: JSON.parse(line) as Record<string, string> });
    });
    child.once("exit", (code) => fail(new Error(`${file} exited (${code}) before it was ready`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail).listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeout_ms: number, what: string) {
  const deadline = Date.now() + timeout_ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startPortkey(engineUrl: string): Promise<Target> {
  const pkg = createRequire(import.meta.url).resolve("@portkey-ai/gateway/package.json");
  const port = await freePort();
  // --headless: no log UI. NODE_ENV=production: no UI routes either. Its stdout is a spinner: dropped.
  const child = spawn(process.execPath, [join(dirname(pkg), "build", "start-server.js"), `--port=${port}`, "--headless"], { cwd: root, env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(base)).ok, 20_000, "Portkey to listen");
  return { name: "portkey", base: `${base}/v1`, model: FAKE_MODEL_ID, headers: { authorization: "Bearer unused", "x-portkey-provider": "openai", "x-portkey-custom-host": `${engineUrl}/v1` } };
}

async function stopChildren() {
  // Reverse start order: the engine (and its agent) drains before Spotlane closes.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000); // Spotlane drops its throwaway PostgreSQL database on the way out
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Before each measured phase: wait until Spotlane has settled what the previous phase left in its
 * settlement queue (read from its own /metrics), so that work does not run during another target's turn.
 */
let quiesce: () => Promise<void> = async () => {};

function watchSettlementQueue(spotlaneUrl: string) {
  quiesce = async () => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const text = await (await fetch(`${spotlaneUrl}/metrics`)).text().catch(() => "");
      const depth = Number(/^spotlane_settlement_queue_depth (\S+)$/m.exec(text)?.[1] ?? 0);
      if (depth === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 250));
  };
}

// ---------------------------------------------------------------------------------------------
// Client

const chatBody = (target: Target, stream: boolean, content = "Say hello.") =>
  JSON.stringify({ model: target.model, messages: [{ role: "user", content }], max_tokens: CHUNKS, ...(stream ? { stream: true } : {}) });

/** A first generated token in an SSE buffer: a chat delta with non-empty content. */
const FIRST_TOKEN = /"content":"[^"]/;

type CallResult = { ok: boolean; status: number; total_ms: number; ttft_ms: number | null; error?: string };

function call(target: Target, agent: Agent, body: string, stream: boolean, hooks: { onFirstToken?: () => void } = {}): Promise<CallResult> {
  const t0 = performance.now();
  return new Promise((ok) => {
    const url = new URL(`${target.base}/chat/completions`);
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...target.headers } }, (res) => {
      let ttft_ms: number | null = null;
      let tail = "";
      let sawError = false;
      let sawDone = false;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const text = tail + chunk;
        if (ttft_ms === null && FIRST_TOKEN.test(text)) {
          ttft_ms = performance.now() - t0;
          hooks.onFirstToken?.();
        }
        if (text.includes('"error"')) sawError = true;
        if (text.includes("[DONE]")) sawDone = true;
        tail = text.slice(-64); // patterns may straddle chunk boundaries
      });
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        const good = status === 200 && !sawError && (!stream || sawDone);
        ok({ ok: good, status, total_ms: performance.now() - t0, ttft_ms, error: good ? undefined : `HTTP ${status}${sawError ? " (error event)" : ""}${stream && !sawDone ? " (no [DONE])" : ""}` });
      });
      res.on("error", (err) => ok({ ok: false, status: res.statusCode ?? 0, total_ms: performance.now() - t0, ttft_ms, error: err.message }));
    });
    req.on("error", (err) => ok({ ok: false, status: 0, total_ms: performance.now() - t0, ttft_ms: null, error: err.message }));
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
};
type Summary = ReturnType<typeof summary>;

/** Sequential requests, targets interleaved in blocks so drift (thermal, GC, caches) hits all alike. */
async function latencyAtConcurrency1(targets: Target[], stream: boolean): Promise<Record<TargetName, Summary & { errors: number }>> {
  const agents = new Map(targets.map((t) => [t.name, new Agent({ keepAlive: true, maxSockets: 1 })]));
  const samples = new Map<TargetName, number[]>(targets.map((t) => [t.name, []]));
  const errors = new Map<TargetName, number>(targets.map((t) => [t.name, 0]));
  await quiesce();
  for (const t of targets) for (let i = 0; i < RUN.latency_warmup; i++) await call(t, agents.get(t.name)!, chatBody(t, stream), stream);
  const BLOCK = 50;
  for (let done = 0; done < RUN.latency_n; done += BLOCK) {
    for (const t of targets) {
      for (let i = 0; i < BLOCK; i++) {
        const r = await call(t, agents.get(t.name)!, chatBody(t, stream), stream);
        if (!r.ok) errors.set(t.name, errors.get(t.name)! + 1);
        else samples.get(t.name)!.push(stream ? r.ttft_ms! : r.total_ms);
      }
    }
  }
  for (const a of agents.values()) a.destroy();
  return Object.fromEntries(targets.map((t) => [t.name, { ...summary(samples.get(t.name)!), errors: errors.get(t.name)! }])) as Record<TargetName, Summary & { errors: number }>;
}

type Throughput = { rps: number; rounds: number[]; p50_ms: number; p99_ms: number; non2xx: number; errors: number; total: number };

/** autocannon at `rps_connections`, targets taking turns; the best round's figures are reported, errors summed. */
async function maxThroughput(targets: Target[], log: (m: string) => void): Promise<Record<string, Throughput>> {
  const out: Record<string, Throughput> = {};
  const optsFor = (t: Target) => ({ url: `${t.base}/chat/completions`, method: "POST" as const, headers: { "content-type": "application/json", ...t.headers }, body: chatBody(t, false), connections: RUN.rps_connections, pipelining: 1 });
  for (const t of targets) await autocannon({ ...optsFor(t), duration: 1 }); // warm-up: connection pools, JIT
  for (let round = 0; round < RUN.rps_rounds; round++) {
    // Rotate the order each round, so no target always runs right after another's aftermath.
    for (const t of [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)]) {
      await quiesce();
      log(`max requests/s at ${RUN.rps_connections} connections, round ${round + 1}/${RUN.rps_rounds}, ${RUN.rps_duration_s} s: ${t.name}`);
      const r = await autocannon({ ...optsFor(t), duration: RUN.rps_duration_s });
      const prev = out[t.name];
      const rps = r.requests.total / r.duration;
      const best = !prev || rps > prev.rps;
      out[t.name] = {
        rps: best ? rps : prev.rps,
        rounds: [...(prev?.rounds ?? []), rps],
        p50_ms: best ? r.latency.p50 : prev.p50_ms,
        p99_ms: best ? r.latency.p99 : prev.p99_ms,
        non2xx: (prev?.non2xx ?? 0) + r.non2xx,
        errors: (prev?.errors ?? 0) + r.errors,
        total: (prev?.total ?? 0) + r.requests.total,
      };
    }
  }
  return out;
}

/** Opens `RUN.streams` streams (ramped over ~0.5 s) that the engine holds open for `stream_hold_ms`. */
async function concurrentStreams(t: Target) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  let open = 0;
  let peak = 0;
  const body = chatBody(t, true, `[hold_ms=${RUN.stream_hold_ms}] Hold this stream open.`);
  const t0 = performance.now();
  const calls: Promise<CallResult>[] = [];
  for (let i = 0; i < RUN.streams; i++) {
    if (i > 0 && i % 50 === 0) await new Promise((r) => setTimeout(r, 25));
    calls.push(
      call(t, agent, body, true, {
        onFirstToken: () => {
          open++;
          peak = Math.max(peak, open);
        },
      }).then((r) => {
        if (r.ttft_ms !== null) open--;
        return r;
      }),
    );
  }
  const cut = setTimeout(() => agent.destroy(), RUN.stream_hold_ms + RUN.stream_grace_ms);
  const results = await Promise.all(calls);
  clearTimeout(cut);
  agent.destroy();
  const failed = results.filter((r) => !r.ok);
  const reasons = new Map<string, number>();
  for (const f of failed) reasons.set(f.error ?? "?", (reasons.get(f.error ?? "?") ?? 0) + 1);
  return {
    streams: RUN.streams,
    completed: results.length - failed.length,
    failed: failed.length,
    failure_reasons: Object.fromEntries(reasons),
    peak_open: peak,
    ttft: summary(results.filter((r) => r.ttft_ms !== null).map((r) => r.ttft_ms!)),
    wall_ms: performance.now() - t0,
  };
}

// ---------------------------------------------------------------------------------------------

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "—");
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) && Number.isFinite(b) ? `${fmt(a / b, 2)}×` : "—");

function table(title: string, head: string[], rows: (string | number)[][]) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => "| " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |";
  console.log(`\n${title}\n${line(head)}\n|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")}|\n${rows.map((r) => line(r.map(String))).join("\n")}`);
}

async function main() {
  const started = performance.now();
  const log = (m: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${m}`);
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const load = () => loadavg()[0]!;
  log(`node ${process.version}, ${cpus().length} × ${cpu}${QUICK ? " (quick)" : ""}; load average ${load().toFixed(2)}`);
  if (load() > cpus().length / 2) log(`WARNING: the machine is busy (load ${load().toFixed(2)} on ${cpus().length} cores): figures will be noisy`);
  const load_before = load();

  // BENCH_PROFILE_DIR: write a V8 CPU profile of the Spotlane process there (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${resolve(process.env.BENCH_PROFILE_DIR)}`] : [];
  const spot = await spawnTs("bench/spotlane-server.ts", {}, profile);
  log(`spotlane on ${spot.info.database} at ${spot.info.url} (pid ${spot.info.pid})`);
  const engine = await spawnTs("bench/fake-engine.ts", { FAKE_ENGINE: JSON.stringify({ chunks: CHUNKS, slots: 1024, serverUrl: spot.info.url, agentToken: spot.info.agentToken }) });
  const engineUrl = engine.info.direct_url!;
  log(`fake engine at ${engineUrl}, signed agent at ${engine.info.agent_url} (pid ${engine.info.pid})`);
  const spotlane: Target = { name: "spotlane", base: `${spot.info.url}/v1`, model: FAKE_MODEL_ID, headers: { authorization: `Bearer ${spot.info.apiKey}` } };
  // Routable once registered and verified by canaries (trust on first use for the fake model id).
  await waitFor(async () => (await call(spotlane, new Agent(), chatBody(spotlane, false), false)).ok, 30_000, "Spotlane to route to the fake agent");
  watchSettlementQueue(spot.info.url!);
  const portkey = await startPortkey(engineUrl);
  log(`portkey at ${portkey.base} (pid ${children.at(-1)?.pid})`);
  const direct: Target = { name: "direct", base: `${engineUrl}/v1`, model: FAKE_MODEL_ID, headers: { authorization: "Bearer unused" } };
  const targets = [direct, spotlane, portkey];

  // Every target must answer the same request correctly before anything is timed.
  for (const t of targets) {
    for (const stream of [false, true]) {
      const r = await call(t, new Agent(), chatBody(t, stream), stream);
      if (!r.ok) throw new Error(`${t.name} ${stream ? "stream" : "json"} smoke request failed: ${r.error}`);
    }
  }

  log(`latency at concurrency 1, non-streamed (${RUN.latency_n} requests each)`);
  const lat = await latencyAtConcurrency1(targets, false);
  log(`latency at concurrency 1, streamed TTFT (${RUN.latency_n} requests each)`);
  const ttft = await latencyAtConcurrency1(targets, true);
  const rps = await maxThroughput(targets, log);
  const streams: Record<string, Awaited<ReturnType<typeof concurrentStreams>>> = {};
  for (const t of targets) {
    await quiesce();
    log(`${RUN.streams} concurrent streams held ${RUN.stream_hold_ms} ms: ${t.name}`);
    streams[t.name] = await concurrentStreams(t);
  }

  const added = (s: Record<TargetName, Summary>, name: TargetName, p: "p50" | "p99") => s[name][p] - s.direct[p];
  table(
    `Latency at concurrency 1 (ms; "added" = minus calling the engine directly; fake engine, ${CHUNKS} deltas)`,
    ["target", "json p50", "json p99", "added p50", "added p99", "TTFT p50", "TTFT p99", "added p50", "added p99", "errors"],
    targets.map((t) => [t.name, fmt(lat[t.name].p50), fmt(lat[t.name].p99), t.name === "direct" ? "—" : fmt(added(lat, t.name, "p50")), t.name === "direct" ? "—" : fmt(added(lat, t.name, "p99")), fmt(ttft[t.name].p50), fmt(ttft[t.name].p99), t.name === "direct" ? "—" : fmt(added(ttft, t.name, "p50")), t.name === "direct" ? "—" : fmt(added(ttft, t.name, "p99")), lat[t.name].errors + ttft[t.name].errors]),
  );
  table(
    `Throughput, non-streamed, ${RUN.rps_connections} connections (autocannon; best of ${RUN.rps_rounds} × ${RUN.rps_duration_s} s rounds, targets taking turns)`,
    ["target", "req/s", "rounds", "p50 ms", "p99 ms", "non-2xx", "errors"],
    targets.map((t) => [t.name, fmt(rps[t.name]!.rps, 0), rps[t.name]!.rounds.map((x) => x.toFixed(0)).join(" / "), fmt(rps[t.name]!.p50_ms, 1), fmt(rps[t.name]!.p99_ms, 1), rps[t.name]!.non2xx, rps[t.name]!.errors]),
  );
  table(
    `${RUN.streams} concurrent streams, each held ${RUN.stream_hold_ms} ms by the engine`,
    ["target", "completed", "failed", "peak open", "TTFT p50 ms", "TTFT p99 ms", "held?"],
    targets.map((t) => {
      const s = streams[t.name]!;
      return [t.name, s.completed, s.failed, s.peak_open, fmt(s.ttft.p50, 1), fmt(s.ttft.p99, 1), s.failed === 0 && s.peak_open === s.streams ? "yes" : "NO"];
    }),
  );
  table(
    "Spotlane vs Portkey (ratio < 1× is better for latency; > 1× is better for req/s)",
    ["metric", "spotlane", "portkey", "spotlane ÷ portkey"],
    [
      ["added latency p50, json (ms)", fmt(added(lat, "spotlane", "p50")), fmt(added(lat, "portkey", "p50")), ratio(added(lat, "spotlane", "p50"), added(lat, "portkey", "p50"))],
      ["added latency p99, json (ms)", fmt(added(lat, "spotlane", "p99")), fmt(added(lat, "portkey", "p99")), ratio(added(lat, "spotlane", "p99"), added(lat, "portkey", "p99"))],
      ["added TTFT p50, stream (ms)", fmt(added(ttft, "spotlane", "p50")), fmt(added(ttft, "portkey", "p50")), ratio(added(ttft, "spotlane", "p50"), added(ttft, "portkey", "p50"))],
      ["added TTFT p99, stream (ms)", fmt(added(ttft, "spotlane", "p99")), fmt(added(ttft, "portkey", "p99")), ratio(added(ttft, "spotlane", "p99"), added(ttft, "portkey", "p99"))],
      [`max req/s @${RUN.rps_connections}`, fmt(rps.spotlane!.rps, 0), fmt(rps.portkey!.rps, 0), ratio(rps.spotlane!.rps, rps.portkey!.rps)],
      [`${RUN.streams} streams held`, streams.spotlane!.failed === 0 && streams.spotlane!.peak_open === RUN.streams ? "yes" : "NO", streams.portkey!.failed === 0 && streams.portkey!.peak_open === RUN.streams ? "yes" : "NO", ""],
    ],
  );

  const result = { at: new Date().toISOString(), node: process.version, cpu, cores: cpus().length, load_before, load_after: load(), database: spot.info.database, quick: QUICK, run: RUN, chunks: CHUNKS, latency_json_ms: lat, ttft_stream_ms: ttft, throughput: rps, streams };
  if (args.has("--json")) {
    const dir = join(root, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `gateway-${result.at.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2));
    log(`wrote ${file}`);
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${load_before.toFixed(2)} before, ${load().toFixed(2)} after (includes this benchmark's own processes)`);
}

// Children must not outlive the benchmark, however it ends.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stopChildren().finally(() => process.exit(130)));
process.once("exit", () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

const guard = setTimeout(() => {
  console.error(`[bench] exceeded ${HARD_LIMIT_MS / 1000} s; stopping`);
  void stopChildren().finally(() => process.exit(2));
}, HARD_LIMIT_MS);
guard.unref();

let code = 0;
try {
  await main();
} catch (err) {
  console.error(`[bench] failed: ${(err as Error).stack ?? err}`);
  code = 1;
} finally {
  await stopChildren();
}
process.exit(code);
