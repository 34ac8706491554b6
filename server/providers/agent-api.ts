import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { wireText } from "../../lib/wire/inputs";
import { AGENT_API_PREFIX, heartbeatRequest, machineStatusRequest, registerMachineRequest } from "../../lib/wire/agent";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { fallbackLogger, requestLogger, type Logger } from "../logger";
import { parseJsonBody, readBody } from "../http/read-body";
import { toOpenAIError } from "../http/openai-errors";
import { authenticateAgent } from "./authenticate-agent";
import { machineStatus } from "./machine-status";
import { markMachineOffline, recordHeartbeat } from "./record-heartbeat";
import { registerMachine } from "./register-machine";

const offlineRequest = z.object({ machine_id: wireText(64) });

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  const out = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(out), ...headers });
  res.end(out);
}

/** /agent/v1/*: what `spotlane-agent` calls. Errors use the same JSON shape as /v1. */
export function createAgentApiHandler(ctx: ServiceContext, logger: Logger = fallbackLogger()) {
  return async function handleAgentApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    try {
      if (req.method !== "POST") throw new ServiceError("not_found", `Unknown agent endpoint: ${req.method} ${path}`);
      const agent = await authenticateAgent(ctx.db, req.headers.authorization);
      const raw = await readBody(req, 256 * 1024);
      switch (path) {
        case `${AGENT_API_PREFIX}/machines/register`:
          return sendJson(res, 200, await registerMachine(ctx, { ...agent, request: parseJsonBody(raw, registerMachineRequest) }));
        case `${AGENT_API_PREFIX}/machines/heartbeat`:
          await recordHeartbeat(ctx, { organizationId: agent.organizationId, agentTokenId: agent.agentTokenId, heartbeat: parseJsonBody(raw, heartbeatRequest) });
          return sendJson(res, 200, { ok: true, server_time_ms: ctx.now().getTime() });
        case `${AGENT_API_PREFIX}/machines/offline`:
          await markMachineOffline(ctx, { organizationId: agent.organizationId, machineId: parseJsonBody(raw, offlineRequest).machine_id });
          return sendJson(res, 200, { ok: true });
        case `${AGENT_API_PREFIX}/machines/status`:
          return sendJson(res, 200, await machineStatus(ctx, { organizationId: agent.organizationId, request: parseJsonBody(raw.length > 0 ? raw : "{}", machineStatusRequest) }));
        default:
          throw new ServiceError("not_found", `Unknown agent endpoint: ${req.method} ${path}`);
      }
    } catch (err) {
      if (!(err instanceof ServiceError)) requestLogger(logger, req).error({ err }, "agent api error");
      const { status, body, headers } = toOpenAIError(err);
      sendJson(res, status, body, headers);
    }
  };
}
