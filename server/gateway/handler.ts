import type { IncomingMessage, ServerResponse } from "node:http";
import { ServiceError } from "../errors";
import { fallbackLogger, requestLogger } from "../logger";
import type { GatewayDeps } from "./deps";
import { listModels } from "./list-models";
import { finishOnClose, type GatewayEndpoint } from "./metrics";
import { sendOpenAIError } from "../http/openai-errors";
import { proxyCompletion } from "./proxy-completion";

const ENDPOINTS: Record<string, GatewayEndpoint> = { "/v1/chat/completions": "chat.completions", "/v1/completions": "completions", "/v1/models": "models" };

/** The /v1 surface. Plain node:http: no Next.js pipeline on the hot path (DESIGN §2). */
export function createGatewayHandler(deps: GatewayDeps) {
  const logger = deps.logger ?? fallbackLogger();
  return async function handleGateway(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "");
    // Every answer, errors included, carries CORS headers: browsers hide a response without them from the page.
    for (const [name, value] of CORS_RESPONSE_HEADERS) res.setHeader(name, value);
    try {
      if (req.method === "OPTIONS") return void res.writeHead(204, preflightHeaders(req.headers["access-control-request-headers"])).end();
      // Counted from arrival to the response's close; the pipeline refines model, TTFT and outcome through `obs` (metrics.ts).
      const obs = deps.metrics?.requestStarted({ endpoint: ENDPOINTS[path] ?? "other" });
      if (obs) finishOnClose(obs, res);
      if (path === "/v1/models" && req.method === "GET") {
        await deps.keys.resolve(req.headers.authorization);
        return await listModels(deps, res);
      }
      if (path.startsWith("/v1/models/") && req.method === "GET") {
        await deps.keys.resolve(req.headers.authorization);
        return await listModels(deps, res, decodeModelId(path.slice("/v1/models/".length)));
      }
      if (path === "/v1/chat/completions" && req.method === "POST") return await proxyCompletion(deps, "chat.completions", req, res, obs);
      if (path === "/v1/completions" && req.method === "POST") return await proxyCompletion(deps, "completions", req, res, obs);
      throw new ServiceError("not_found", `Unknown request URL: ${req.method} ${path}. See the API reference for valid endpoints.`);
    } catch (err) {
      if (!(err instanceof ServiceError)) requestLogger(logger, req).error({ err }, "gateway error");
      sendOpenAIError(res, err);
    }
  };
}

/** A model id from the URL; a malformed percent-encoding is the caller's mistake, not ours. */
function decodeModelId(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new ServiceError("invalid_input", "The model id in the URL is not valid percent-encoded UTF-8.", { param: "model" });
  }
}

/**
 * /v1 is authenticated by bearer keys, never cookies, so any origin may call it (`*`, no credentials).
 * Precomputed: the hot path only copies two headers. Exposed: what clients read besides the body.
 */
const CORS_RESPONSE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["access-control-allow-origin", "*"],
  ["access-control-expose-headers", "x-spotlane-request-id, x-spotlane-provider, x-spotlane-market, x-spotlane-price-nanos-per-second, x-spotlane-compute-ms, retry-after"],
];
const DEFAULT_ALLOWED_HEADERS = "authorization, content-type";
const HEADER_LIST = /^[A-Za-z0-9_-]+(\s*,\s*[A-Za-z0-9_-]+)*$/;

/** OpenAI SDKs send their own headers (x-stainless-*, openai-*): allow what the browser asks for when it is a plain header list. */
function preflightHeaders(requested: string | undefined) {
  const allow = requested && requested.length <= 2048 && HEADER_LIST.test(requested) ? requested : DEFAULT_ALLOWED_HEADERS;
  return { "access-control-allow-headers": allow, "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-max-age": "86400" };
}
