import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { AGENT_TIME_HEADER, NonceCache, verifyRequest } from "../../lib/signing";
import { SERVED_MS_HEADER } from "../../lib/wire/metering";
import { EngineRequestError, type Engine } from "./engine/types";
import { chatCompletionRequest, completionRequest, responseShapes } from "../../lib/wire/openai";
import { toGenerateRequest, type AgentRequestBody } from "./openai-format";

export type AgentHttp = {
  server: Server;
  /** Requests being generated right now. */
  inflight(): number;
  /** Refuse new work with 503 (the marketplace routes elsewhere) and let in-flight work finish. */
  startDraining(): void;
};

export function sendError(res: ServerResponse, status: number, message: string, code: string) {
  const out = JSON.stringify({ error: { message, type: status >= 500 ? "server_error" : "invalid_request_error", param: null, code } });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
  res.end(out);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 4 * 1024 * 1024) throw new EngineRequestError("invalid_request", "body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The agent's OpenAI-compatible endpoint. Only requests signed by the marketplace with this
 * machine's current secret are served; stale or replayed signatures are refused.
 */
export function createAgentHttp(opts: { engine: Engine; modelId: string; secret: () => string | null; now_ms?: () => number }): AgentHttp {
  const nonces = new NonceCache();
  const now_ms = opts.now_ms ?? Date.now;
  let draining = false;
  let inflight = 0;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const received_ms = performance.now();
    const path = (req.url ?? "/").split("?")[0]!;
    if (req.method === "GET" && path === "/health") {
      const load = opts.engine.load();
      res.writeHead(draining ? 503 : 200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ status: draining ? "draining" : "ok", model: opts.modelId, ...load }));
    }
    const kind = path === "/v1/chat/completions" ? "chat" : path === "/v1/completions" ? "completion" : null;
    if (req.method !== "POST" || !kind) return sendError(res, 404, `Unknown endpoint ${req.method} ${path}`, "not_found");
    try {
      const raw = await readBody(req);
      const secret = opts.secret();
      if (!secret) return sendError(res, 503, "Agent is not registered yet", "not_registered");
      const verdict = verifyRequest(secret, req.headers, { method: "POST", path, body: raw, now_ms: now_ms(), nonces });
      if (!verdict.ok) return sendError(res, 401, `Request refused: ${verdict.reason}`, verdict.reason);
      if (draining) return sendError(res, 503, "Agent is draining", "draining");
      const parsed = (kind === "chat" ? chatCompletionRequest : completionRequest).safeParse(JSON.parse(raw));
      if (!parsed.success) return sendError(res, 400, parsed.error.issues[0]?.message ?? "invalid request", "invalid_request");
      inflight++;
      try {
        await serveGeneration(opts.engine, opts.modelId, { ...parsed.data, kind } as AgentRequestBody, res, received_ms);
      } finally {
        inflight--;
      }
    } catch (err) {
      if (err instanceof EngineRequestError) return sendError(res, 400, err.message, err.code);
      if (res.headersSent) return void res.end();
      sendError(res, 500, (err as Error).message, "engine_error");
    }
  }
  const server = createServer((req, res) => {
    // A throw that escapes the handler (say, writing an error after the headers went out) must not become an
    // unhandled rejection, which would take the whole agent down: drop that one connection instead.
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 65_000;
  return { server, inflight: () => inflight, startDraining: () => void (draining = true) };
}

export async function serveGeneration(
  engine: Engine,
  modelId: string,
  body: AgentRequestBody,
  res: ServerResponse,
  received_ms: number,
) {
  // How long this agent held the request before answering: the marketplace subtracts it from its own
  // time-to-headers to learn the network round trip alone (streams wait for the first token, JSON for all).
  const agentTime = () => ({ [AGENT_TIME_HEADER]: String(Math.round(performance.now() - received_ms)) });
  const kind = body.kind;
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort(new Error("client disconnected"));
  });
  const shapes = responseShapes(kind, modelId, `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID()}`, Math.floor(Date.now() / 1000));
  const events = engine.generate(toGenerateRequest(body), abort.signal);

  if (!body.stream) {
    let text = "";
    for await (const ev of events) {
      if (ev.type === "delta") text += ev.text;
      else if (ev.type === "done") {
        const out = JSON.stringify(shapes.full(text, ev.finish_reason, ev.usage));
        // The slot time served (queue excluded): the most the marketplace bills the buyer for this answer.
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out), ...agentTime(), [SERVED_MS_HEADER]: String(ev.served_ms) });
        res.end(out);
      }
    }
    return;
  }

  // The first event is awaited before the status goes out, so a request the engine refuses (prompt too
  // long, …) is a 400 the buyer can act on, not a 200 followed by an error event.
  const it = events[Symbol.asyncIterator]();
  const first = await it.next();
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", ...agentTime() });
  const send = (v: unknown) => res.write(`data: ${JSON.stringify(v)}\n\n`);
  if (kind === "chat") send(shapes.chunk({ role: "assistant", content: "" }, null));
  try {
    for (let ev = first; !ev.done; ev = await it.next()) {
      const e = ev.value;
      if (e.type === "delta") send(shapes.chunk({ content: e.text }, null));
      else if (e.type === "done") {
        send(shapes.chunk({}, e.finish_reason));
        if (body.stream_options?.include_usage) send(shapes.usageChunk(e.usage, e.served_ms));
      }
    }
    res.end("data: [DONE]\n\n");
  } catch (err) {
    if (abort.signal.aborted) return;
    res.end(`data: ${JSON.stringify({ error: { message: (err as Error).message, type: "server_error", code: "engine_error" } })}\n\n`);
  }
}
