// A provider agent that registers through the real agent API (/agent/v1 with an agent token, the
// agent's own MarketplaceClient) and answers the marketplace's signed requests itself, so a test can
// make it misbehave in ways a real engine never would: lie about slots and speed, dribble bytes
// (slow-loris), send oversized bodies or one endless SSE event, malformed events, or die mid-stream.
// Its "honest" behaviour is a fast, correct OpenAI answer, which also makes it a quick stand-in
// provider for fuzzing the gateway without llama.cpp's CPU cost.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { MarketplaceClient } from "../agent/src/marketplace-client";
import { AGENT_TIME_HEADER, NonceCache, verifyRequest } from "../lib/signing";
import type { BenchmarkResult, RegisterMachineResponse } from "../lib/wire/agent";

export type HostileBehaviour =
  /** A correct answer after `delay_ms`; `usage` overrides the reported token counts (a lie when set). */
  | { kind: "honest"; delay_ms?: number; usage?: { prompt_tokens: number; completion_tokens: number }; agent_ms_header?: string }
  /** Headers at once, then one byte every `byte_every_ms` for `total_ms`, then (if `finish`) a proper end. */
  | { kind: "slow-loris"; byte_every_ms: number; total_ms: number; finish?: boolean }
  /** A non-streamed 200 whose JSON body is `bytes` long (one giant `content` string), written without buffering it. */
  | { kind: "oversized-json"; bytes: number }
  /** A streamed 200 whose first event is `bytes` of `data: xxxx…` with no blank line, ever. */
  | { kind: "huge-event"; bytes: number }
  /** A streamed 200 of broken events: bad JSON that mentions usage, usage with impossible numbers, stray fields. */
  | { kind: "malformed-events" }
  /** A few good chunks, then the socket is destroyed without [DONE]. */
  | { kind: "die-mid-stream"; after_chunks?: number }
  /** Accepts the request, then closes the socket before any header. */
  | { kind: "hang-up" };

export type HostileAgentOptions = {
  marketplaceUrl: string;
  agentToken: string;
  modelId: string;
  askNanosPerSecond: bigint;
  /** Slots claimed at registration (and, unless `heartbeatSlots`, in heartbeats). */
  slots: number;
  /** Slots claimed in heartbeats (a lie above `slots` is what the marketplace must refuse). */
  heartbeatSlots?: number;
  /** Requests actually served at once; more wait in a queue here (a provider lying about its slots). */
  realConcurrency?: number;
  benchmark?: BenchmarkResult;
  hardwareClass?: string;
  name?: string;
  behaviour?: HostileBehaviour | ((body: Record<string, unknown>) => HostileBehaviour);
};

export type HostileAgent = {
  url: string;
  machineId: string;
  offerId: string;
  registration: RegisterMachineResponse;
  /** Signed requests received (canaries and buyer traffic alike). */
  received: number;
  /** Signed requests received whose signature failed (never expected). */
  refused: number;
  setBehaviour(b: HostileAgentOptions["behaviour"]): void;
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startHostileAgent(opts: HostileAgentOptions): Promise<HostileAgent> {
  let behaviour = opts.behaviour ?? { kind: "honest" };
  let registration: RegisterMachineResponse | null = null;
  const nonces = new NonceCache();
  const sockets = new Set<Socket>();
  const state = { received: 0, refused: 0 };
  // A queue of `realConcurrency` workers: the lie about slots is that more are claimed than served.
  let running = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    const limit = opts.realConcurrency ?? Number.POSITIVE_INFINITY;
    if (running >= limit) await new Promise<void>((r) => waiting.push(r));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0]!;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    if (req.method !== "POST" || (path !== "/v1/chat/completions" && path !== "/v1/completions")) return void res.writeHead(404).end();
    const secret = registration?.machine_secret;
    const verdict = secret ? verifyRequest(secret, req.headers, { method: "POST", path, body: raw, now_ms: Date.now(), nonces }) : { ok: false as const };
    if (!verdict.ok) {
      state.refused++;
      return void res.writeHead(401, { "content-type": "application/json" }).end('{"error":{"message":"bad signature","type":"invalid_request_error","code":"bad_signature"}}');
    }
    state.received++;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // The marketplace always sends JSON; answer anyway.
    }
    const b = typeof behaviour === "function" ? behaviour(body) : behaviour;
    await acquire();
    const started = performance.now();
    try {
      await respond(b, path === "/v1/chat/completions" ? "chat" : "completion", body, req, res, started);
    } catch {
      res.destroy();
    } finally {
      release();
    }
  }
  // Test fake: `void`, so a throw escaping the handler surfaces as an unhandled rejection and fails the run loudly.
  const server: Server = createServer((req, res) => void handle(req, res));
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const client = new MarketplaceClient(opts.marketplaceUrl, opts.agentToken);
  registration = await client.register({
    name: opts.name ?? `hostile-${randomUUID().slice(0, 8)}`,
    agent_version: "0.1.0",
    endpoint_url: url,
    hardware: { hardware_class: opts.hardwareClass ?? "cpu", cpu_model: "hostile", cpu_cores: 2, memory_mb: 4096, gpus: [] },
    offers: [
      {
        model_id: opts.modelId,
        slots: opts.slots,
        ask_nanos_per_second: String(opts.askNanosPerSecond),
        engine: "hostile",
        engine_version: "1",
        context_size: 4096,
        benchmark: opts.benchmark ?? { decode_tokens_per_second: 50, prefill_tokens_per_second: 200, ttft_ms: 20 },
      },
    ],
  });
  const reg = registration;
  const heartbeat = () =>
    client
      .heartbeat({ machine_id: reg.machine_id, draining: false, offers: reg.offers.map((o) => ({ offer_id: o.offer_id, active_slots: 0, slots: opts.heartbeatSlots ?? opts.slots })) })
      .catch(() => {});
  await heartbeat();
  const timer = setInterval(() => void heartbeat(), reg.heartbeat_interval_ms);
  timer.unref();

  return {
    url,
    machineId: reg.machine_id,
    offerId: reg.offers[0]!.offer_id,
    registration: reg,
    get received() {
      return state.received;
    },
    get refused() {
      return state.refused;
    },
    setBehaviour(next) {
      behaviour = next ?? { kind: "honest" };
    },
    async close() {
      clearInterval(timer);
      await client.offline(reg.machine_id).catch(() => {});
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

type Kind = "chat" | "completion";

function shapes(kind: Kind, model: string) {
  const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  return {
    full: (text: string, usage: { prompt_tokens: number; completion_tokens: number }) =>
      kind === "chat"
        ? { id, object: "chat.completion", created, model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }
        : { id, object: "text_completion", created, model, choices: [{ index: 0, text, finish_reason: "stop" }], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } },
    chunk: (text: string | null, finish: string | null) =>
      kind === "chat"
        ? { id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta: text === null ? {} : { content: text }, finish_reason: finish }] }
        : { id, object: "text_completion", created, model, choices: [{ index: 0, text: text ?? "", finish_reason: finish }] },
    usageChunk: (usage: { prompt_tokens: number; completion_tokens: number }) => ({ id, object: kind === "chat" ? "chat.completion.chunk" : "text_completion", created, model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
  };
}

/** Writes and waits for the socket to take it (backpressure), so big answers never sit in this process's memory. */
function write(res: ServerResponse, data: string | Buffer): Promise<void> {
  return new Promise((ok, fail) => {
    if (res.destroyed) return fail(new Error("closed"));
    if (res.write(data)) return ok();
    const onDrain = () => (res.off("close", onClose), ok());
    const onClose = () => (res.off("drain", onDrain), fail(new Error("closed")));
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

async function respond(b: HostileBehaviour, kind: Kind, body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
  const model = typeof body.model === "string" ? body.model : "unknown";
  const s = shapes(kind, model);
  const stream = body.stream === true;
  const max_tokens = typeof body.max_tokens === "number" ? Math.min(body.max_tokens, 8) : 8;
  const tokens = Array.from({ length: Math.max(1, max_tokens) }, (_, i) => `t${i} `);
  const agentMs = () => String(Math.round(performance.now() - started));
  const sseHead = (extra: Record<string, string> = {}) => res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", [AGENT_TIME_HEADER]: agentMs(), ...extra });
  const event = (v: unknown) => `data: ${JSON.stringify(v)}\n\n`;

  switch (b.kind) {
    case "honest": {
      if (b.delay_ms) await sleep(b.delay_ms);
      const usage = b.usage ?? { prompt_tokens: 5, completion_tokens: tokens.length };
      if (!stream) {
        const out = JSON.stringify(s.full(tokens.join(""), usage));
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out), [AGENT_TIME_HEADER]: b.agent_ms_header ?? agentMs() });
        return void res.end(out);
      }
      sseHead(b.agent_ms_header ? { [AGENT_TIME_HEADER]: b.agent_ms_header } : {});
      for (const t of tokens) await write(res, event(s.chunk(t, null)));
      await write(res, event(s.chunk(null, "stop")));
      await write(res, event(s.usageChunk(usage)));
      return void res.end("data: [DONE]\n\n");
    }
    case "slow-loris": {
      const until = performance.now() + b.total_ms;
      if (!stream) {
        const out = JSON.stringify(s.full("slow", { prompt_tokens: 5, completion_tokens: 1 }));
        res.writeHead(200, { "content-type": "application/json", [AGENT_TIME_HEADER]: "0" });
        let i = 0;
        while (performance.now() < until && i < out.length - 1) {
          await write(res, out[i++]!);
          await sleep(b.byte_every_ms);
        }
        if (b.finish) return void res.end(out.slice(i));
        return void res.destroy();
      }
      sseHead();
      const payload = event(s.chunk("slow", null));
      let i = 0;
      while (performance.now() < until) {
        // One byte at a time, cycling through a valid chunk, so the stream is never idle and never complete.
        await write(res, payload[i % payload.length]!);
        i++;
        await sleep(b.byte_every_ms);
      }
      if (b.finish) {
        await write(res, payload.slice(i % payload.length));
        await write(res, event(s.chunk(null, "stop")) + event(s.usageChunk({ prompt_tokens: 5, completion_tokens: 1 })));
        return void res.end("data: [DONE]\n\n");
      }
      return void res.destroy();
    }
    case "oversized-json": {
      const head = kind === "chat" ? `{"id":"x","object":"chat.completion","model":${JSON.stringify(model)},"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"` : `{"id":"x","object":"text_completion","model":${JSON.stringify(model)},"choices":[{"index":0,"finish_reason":"stop","text":"`;
      const tail = `"}}],"usage":{"prompt_tokens":5,"completion_tokens":5}}`;
      const block = Buffer.alloc(64 * 1024, "a");
      res.writeHead(200, { "content-type": "application/json", "content-length": String(head.length + tail.length + Math.floor(b.bytes / block.length) * block.length), [AGENT_TIME_HEADER]: "0" });
      await write(res, head);
      for (let n = 0; n + block.length <= b.bytes; n += block.length) await write(res, block);
      return void res.end(tail);
    }
    case "huge-event": {
      sseHead();
      await write(res, event(s.chunk("ok", null)));
      await write(res, "data: ");
      const block = Buffer.alloc(64 * 1024, "x");
      for (let n = 0; n + block.length <= b.bytes; n += block.length) await write(res, block);
      // Never a blank line: the event never ends. Then the connection does.
      return void res.destroy();
    }
    case "malformed-events": {
      sseHead();
      await write(res, event(s.chunk("ok", null)));
      await write(res, 'data: {"usage": not json at all\n\n');
      await write(res, `data: ${JSON.stringify({ ...s.usageChunk({ prompt_tokens: -5, completion_tokens: 1e20 }) })}\n\n`);
      await write(res, "data:\n\n: a comment\n\nevent: weird\nid: 1\nretry: -1\n\n");
      await write(res, 'data: {"choices":[{"delta":{"content":"\\ud800"}}],"__proto__":{"polluted":true}}\n\n');
      await write(res, Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x0a]));
      return void res.end("data: [DONE]\n\n");
    }
    case "die-mid-stream": {
      if (!stream) {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000", [AGENT_TIME_HEADER]: "0" });
        await write(res, '{"id":"x","choices":[{"message":{"content":"half');
        await sleep(50);
        return void req.socket.destroy();
      }
      sseHead();
      for (let i = 0; i < (b.after_chunks ?? 2); i++) await write(res, event(s.chunk(`t${i} `, null)));
      await sleep(50);
      return void req.socket.destroy();
    }
    case "hang-up":
      return void req.socket.destroy();
  }
}
