// Runs one OpenAI-shaped request on a wrapped Engine for a fake server: the first event is pulled
// before any header is written, so refusals (context too long) become plain HTTP errors the way
// both real servers send them, and streaming starts only once generation has.
import type { ServerResponse } from "node:http";
import { chatCompletionRequest, completionRequest } from "../../lib/wire/openai";
import { toGenerateRequest, type AgentRequestBody } from "../../agent/src/openai-format";
import { EngineRequestError, type Engine, type EngineEvent } from "../../agent/src/engine/types";

export type Started = {
  first: IteratorResult<EngineEvent>;
  rest: AsyncIterator<EngineEvent>;
  abort: AbortController;
  started_ms: number;
};

export type Refusal = { status: number; error: EngineRequestError | Error };

/** Parses the body with the agent's own schemas and starts generation; null + refusal when the engine refuses. */
export async function startGeneration(engine: Engine, kind: "chat" | "completion", body: Record<string, unknown>, res: ServerResponse): Promise<Started | Refusal> {
  const parsed = (kind === "chat" ? chatCompletionRequest : completionRequest).safeParse(body);
  if (!parsed.success) return { status: 400, error: new EngineRequestError("invalid_request", parsed.error.issues[0]?.message ?? "invalid request") };
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort(new Error("client disconnected"));
  });
  const started_ms = performance.now();
  const rest = engine.generate(toGenerateRequest({ ...parsed.data, kind } as AgentRequestBody), abort.signal)[Symbol.asyncIterator]();
  try {
    return { first: await rest.next(), rest, abort, started_ms };
  } catch (err) {
    return { status: err instanceof EngineRequestError ? 400 : 500, error: err as Error };
  }
}

export const isRefusal = (s: Started | Refusal): s is Refusal => "error" in s;

/** Every event, the pulled first one included. */
export async function* events(s: Started): AsyncGenerator<EngineEvent> {
  if (s.first.done) return;
  yield s.first.value;
  for (;;) {
    const next = await s.rest.next();
    if (next.done) return;
    yield next.value;
  }
}

export function sse(res: ServerResponse) {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
  return (value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`);
}
