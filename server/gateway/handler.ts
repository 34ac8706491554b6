import type { IncomingMessage, ServerResponse } from "node:http";
import { ServiceError } from "../errors";
import { fallbackLogger, requestLogger } from "../logger";
import type { GatewayDeps } from "./deps";
import { listModels } from "./list-models";
import { finishOnClose, type GatewayEndpoint } from "./metrics";
import { sendOpenAIError } from "./openai-errors";
import { proxyCompletion } from "./proxy-completion";

const ENDPOINTS: Record<string, GatewayEndpoint> = { "/v1/chat/completions": "chat.completions", "/v1/completions": "completions", "/v1/models": "models" };

/** The /v1 surface. Plain node:http: no Next.js pipeline on the hot path (DESIGN §2). */
export function createGatewayHandler(deps: GatewayDeps) {
  const logger = deps.logger ?? fallbackLogger();
  return async function handleGateway(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "");
    try {
      if (req.method === "OPTIONS") return void res.writeHead(204, corsHeaders()).end();
      // Counted from arrival to the response's close; the pipeline refines model, TTFT and outcome through `obs` (metrics.ts).
      const obs = deps.metrics?.requestStarted({ endpoint: ENDPOINTS[path] ?? "other" });
      if (obs) finishOnClose(obs, res);
      if (path === "/v1/models" && req.method === "GET") {
        await deps.keys.resolve(req.headers.authorization);
        return await listModels(deps, res);
      }
      if (path.startsWith("/v1/models/") && req.method === "GET") {
        await deps.keys.resolve(req.headers.authorization);
        return await listModels(deps, res, decodeURIComponent(path.slice("/v1/models/".length)));
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

function corsHeaders() {
  return { "access-control-allow-origin": "*", "access-control-allow-headers": "authorization, content-type", "access-control-allow-methods": "GET, POST, OPTIONS" };
}
