// PLACEHOLDER (lead): helper "exports-core" replaces this body; keep the exported signature.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Runtime } from "../../runtime";

/**
 * `GET /api/exports/<kind>.csv?…`: signed-in (better-auth session cookie), authorised per the kind's scope,
 * audited, and streamed from one snapshot (run-export.ts). Served before Next so the body streams with
 * backpressure from the database cursor to the socket.
 */
export function createExportsHandler(runtime: Runtime): (req: IncomingMessage, res: ServerResponse) => void {
  void runtime;
  return (_req, res) => {
    res.writeHead(501, { "content-type": "text/plain" }).end("not built yet");
  };
}
