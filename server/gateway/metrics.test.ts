import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createGatewayMetrics, finishOnClose, sendMetrics } from "./metrics";

/** A fake monotonic clock in ms. */
function clock(start = 1_000) {
  let t = start;
  return { now_ms: () => t, advance: (ms: number) => void (t += ms) };
}

/** Value of one sample line `name{labels} value` in Prometheus text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v) && Object.keys(have).length === Object.keys(labels).length) return Number(m[4]);
  }
  return undefined;
}

describe("gateway metrics", () => {
  it("counts and times a streamed request through its pipeline points", async () => {
    const c = clock();
    const m = createGatewayMetrics({ processMetrics: false, now_ms: c.now_ms });
    const obs = m.requestStarted({ endpoint: "chat.completions" });
    expect(sample(await m.render(), "spotlane_gateway_requests_in_flight", { endpoint: "chat.completions" })).toBe(1);
    c.advance(0.3); // auth + validate + route + reserve
    obs.routed({ model: "llama-3.1-8b-instruct:q4_k_m", machine_id: "mach_1" });
    obs.dispatched();
    c.advance(120);
    obs.firstToken();
    obs.firstToken(); // idempotent: the first token is observed once
    c.advance(1_880);
    obs.finished({ http_status: 200 });
    obs.finished({ http_status: 200 }); // idempotent: in-flight never goes negative

    const text = await m.render();
    const model = "llama-3.1-8b-instruct:q4_k_m";
    expect(sample(text, "spotlane_gateway_requests_total", { endpoint: "chat.completions", model, status: "completed", http_status: "200" })).toBe(1);
    expect(sample(text, "spotlane_gateway_requests_in_flight", { endpoint: "chat.completions" })).toBe(0);
    expect(sample(text, "spotlane_gateway_request_duration_seconds_sum", { endpoint: "chat.completions", model, status: "completed" })).toBeCloseTo(2.0003, 6);
    expect(sample(text, "spotlane_gateway_ttft_seconds_sum", { endpoint: "chat.completions", model })).toBeCloseTo(0.1203, 6);
    expect(sample(text, "spotlane_gateway_ttft_seconds_count", { endpoint: "chat.completions", model })).toBe(1);
    // Sub-millisecond overhead lands in a sub-millisecond bucket.
    expect(sample(text, "spotlane_gateway_overhead_seconds_bucket", { endpoint: "chat.completions", le: "0.00025" })).toBe(0);
    expect(sample(text, "spotlane_gateway_overhead_seconds_bucket", { endpoint: "chat.completions", le: "0.0005" })).toBe(1);
    expect(sample(text, "spotlane_gateway_request_duration_seconds_bucket", { endpoint: "chat.completions", model, status: "completed", le: "2.5" })).toBe(1);
    expect(sample(text, "spotlane_gateway_request_duration_seconds_bucket", { endpoint: "chat.completions", model, status: "completed", le: "1" })).toBe(0);
  });

  it("derives the outcome from the HTTP status unless the pipeline said otherwise", async () => {
    const m = createGatewayMetrics({ processMetrics: false });
    m.requestStarted({ endpoint: "chat.completions" }).finished({ http_status: 401 });
    m.requestStarted({ endpoint: "completions" }).finished({ http_status: 503 });
    const failedStream = m.requestStarted({ endpoint: "chat.completions" });
    failedStream.routed({ model: "m" });
    failedStream.outcome("failed"); // a 200 stream whose provider died midway
    failedStream.finished({ http_status: 200 });
    const text = await m.render();
    expect(sample(text, "spotlane_gateway_requests_total", { endpoint: "chat.completions", model: "unknown", status: "rejected", http_status: "401" })).toBe(1);
    expect(sample(text, "spotlane_gateway_requests_total", { endpoint: "completions", model: "unknown", status: "failed", http_status: "503" })).toBe(1);
    expect(sample(text, "spotlane_gateway_requests_total", { endpoint: "chat.completions", model: "m", status: "failed", http_status: "200" })).toBe(1);
  });

  it("counts failovers, provider errors and settlement queue depth", async () => {
    const m = createGatewayMetrics({ processMetrics: false });
    m.failover({ from_machine: "mach_a", reason: "connect" });
    m.failover({ from_machine: "mach_a", reason: "connect" });
    m.providerError({ machine_id: "mach_a", reason: "connect" });
    m.providerError({ machine_id: "mach_b", reason: "http_5xx" });
    m.setSettlementQueueDepth(7);
    let text = await m.render();
    expect(sample(text, "spotlane_gateway_failovers_total", { from_machine: "mach_a", reason: "connect" })).toBe(2);
    expect(sample(text, "spotlane_gateway_provider_errors_total", { machine_id: "mach_b", reason: "http_5xx" })).toBe(1);
    expect(sample(text, "spotlane_settlement_queue_depth")).toBe(7);
    let depth = 42;
    m.observeSettlementQueueDepth(() => depth);
    expect(sample(await m.render(), "spotlane_settlement_queue_depth")).toBe(42);
    depth = 3;
    expect(sample(await m.render(), "spotlane_settlement_queue_depth")).toBe(3);
    m.settlementFlushed({ batch_size: 50, duration_s: 0.004, ok: true });
    m.settlementFlushed({ batch_size: 10, duration_s: 0.5, ok: false });
    text = await m.render();
    expect(sample(text, "spotlane_settlement_flushes_total", { result: "ok" })).toBe(1);
    expect(sample(text, "spotlane_settlement_flushes_total", { result: "error" })).toBe(1);
    expect(sample(text, "spotlane_settlement_requests_flushed_total")).toBe(50);
    // Dead letters are read at scrape time; a failing read leaves the last figures rather than failing the scrape.
    let open: { count: number; amount_nanos: bigint } | null = { count: 2, amount_nanos: 1_500_000_000n };
    m.observeDeadLetters(async () => (open ? open : Promise.reject(new Error("db down"))));
    text = await m.render();
    expect(sample(text, "spotlane_settlement_dead_letters")).toBe(2);
    expect(sample(text, "spotlane_settlement_dead_letter_held_nanos")).toBe(1_500_000_000);
    open = null;
    await new Promise((r) => setTimeout(r, 120));
    expect(sample(await m.render(), "spotlane_settlement_dead_letters")).toBe(2);
  });

  it("keeps one registry per instance, so several servers in one process do not mix", async () => {
    const a = createGatewayMetrics();
    const b = createGatewayMetrics();
    a.requestStarted({ endpoint: "models" }).finished({ http_status: 200 });
    expect(sample(await a.render(), "spotlane_gateway_requests_total", { endpoint: "models", model: "unknown", status: "completed", http_status: "200" })).toBe(1);
    expect(sample(await b.render(), "spotlane_gateway_requests_total", { endpoint: "models", model: "unknown", status: "completed", http_status: "200" })).toBeUndefined();
    // Process metrics are there too, under the same prefix.
    expect(await a.render()).toContain("spotlane_process_cpu_seconds_total");
  });

  it("bounds the model label's cardinality (model ids come from buyers)", async () => {
    const m = createGatewayMetrics({ processMetrics: false, maxModelLabels: 2 });
    for (const model of ["a", "b", "c", "d", "a"]) {
      const obs = m.requestStarted({ endpoint: "chat.completions" });
      obs.routed({ model });
      obs.finished({ http_status: 200 });
    }
    const text = await m.render();
    const labels = { endpoint: "chat.completions", status: "completed", http_status: "200" };
    expect(sample(text, "spotlane_gateway_requests_total", { ...labels, model: "a" })).toBe(2);
    expect(sample(text, "spotlane_gateway_requests_total", { ...labels, model: "b" })).toBe(1);
    expect(sample(text, "spotlane_gateway_requests_total", { ...labels, model: "other" })).toBe(2);
  });

  describe("over HTTP", () => {
    let server: Server | undefined;
    afterEach(async () => new Promise<void>((ok) => (server ? server.close(() => ok()) : ok())));

    it("finishes on close (aborted when the client leaves early) and serves Prometheus text", async () => {
      const m = createGatewayMetrics({ processMetrics: false });
      server = createServer((req, res) => {
        if (req.url === "/metrics") return void sendMetrics(m, res);
        finishOnClose(m.requestStarted({ endpoint: req.url === "/slow" ? "chat.completions" : "completions" }), res);
        if (req.url === "/slow") {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write("data: {}\n\n"); // then never ends: the client aborts
        } else res.writeHead(404).end("{}");
      });
      await new Promise<void>((ok) => server!.listen(0, "127.0.0.1", ok));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      await new Promise<void>((ok) => {
        const r = request(`${base}/slow`, (res) => res.once("data", () => (r.destroy(), ok())));
        r.end();
      });
      await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`${base}/metrics`);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain("# TYPE spotlane_gateway_requests_total counter");
      expect(sample(text, "spotlane_gateway_requests_total", { endpoint: "completions", model: "unknown", status: "rejected", http_status: "404" })).toBe(1);
      expect(sample(text, "spotlane_gateway_requests_total", { endpoint: "chat.completions", model: "unknown", status: "aborted", http_status: "200" })).toBe(1);
      expect(sample(text, "spotlane_gateway_requests_in_flight", { endpoint: "chat.completions" })).toBe(0);
    });
  });
});
