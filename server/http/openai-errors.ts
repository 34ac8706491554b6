import type { ServerResponse } from "node:http";
import { ServiceError, type ServiceErrorCode } from "../errors";

/** The one mapping from service errors to OpenAI's error JSON and status (DESIGN §7). */
const MAPPING: Record<ServiceErrorCode, { status: number; type: string }> = {
  invalid_input: { status: 400, type: "invalid_request_error" },
  payload_too_large: { status: 413, type: "invalid_request_error" },
  unauthenticated: { status: 401, type: "invalid_request_error" },
  forbidden: { status: 403, type: "invalid_request_error" },
  not_found: { status: 404, type: "invalid_request_error" },
  model_not_found: { status: 404, type: "invalid_request_error" },
  insufficient_balance: { status: 402, type: "insufficient_quota" },
  spend_limit_exceeded: { status: 402, type: "insufficient_quota" },
  rate_limited: { status: 429, type: "requests" },
  no_provider_available: { status: 503, type: "server_error" },
  upstream_error: { status: 502, type: "server_error" },
  conflict: { status: 409, type: "invalid_request_error" },
};

/** OpenAI's codes where they have one; ours otherwise. */
const OPENAI_CODES: Partial<Record<ServiceErrorCode, string>> = {
  unauthenticated: "invalid_api_key",
  model_not_found: "model_not_found",
  insufficient_balance: "insufficient_quota",
  rate_limited: "rate_limit_exceeded",
};

export type OpenAIErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

export function toOpenAIError(err: unknown): { status: number; body: OpenAIErrorBody; headers: Record<string, string> } {
  if (err instanceof ServiceError) {
    const m = MAPPING[err.code];
    const param = typeof err.details?.param === "string" ? err.details.param : null;
    const code = typeof err.details?.code === "string" ? err.details.code : (OPENAI_CODES[err.code] ?? err.code);
    // The unread rest of an oversized body would be parsed as the next request on a kept-alive connection.
    const headers: Record<string, string> = err.code === "payload_too_large" ? { connection: "close" } : {};
    return { status: m.status, body: { error: { message: err.message, type: m.type, param, code } }, headers };
  }
  return { status: 500, body: { error: { message: "Internal server error", type: "server_error", param: null, code: "internal_error" } }, headers: {} };
}

export function sendOpenAIError(res: ServerResponse, err: unknown, extraHeaders: Record<string, string> = {}): void {
  const { status, body, headers } = toOpenAIError(err);
  if (res.headersSent) {
    // Mid-stream: the status is already sent, so the error travels as a final SSE event.
    if (!res.writableEnded) res.end(`data: ${JSON.stringify(body)}\n\n`);
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers, ...extraHeaders });
  res.end(payload);
}
