import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import { loadViewer } from "../../auth/load-viewer";
import { ServiceError } from "../../errors";
import { toOpenAIError } from "../../http/openai-errors";
import { fallbackLogger, type Logger } from "../../logger";
import type { Runtime } from "../../runtime";
import { canUsePlatformFinance } from "../access";
import { recordAudit } from "../audit/record-audit";
import { authorizeExport } from "./authorize-export";
import type { ExportFilter } from "./export-definition";
import { ExportSlots } from "./export-slots";
import { exportFilename, parseExportRequest, type ExportRequest } from "./parse-export-query";
import { runExport } from "./run-export";

/** What a client past the concurrency cap is told to wait: exports are short or long, and this is a guess, not a promise. */
const RETRY_AFTER_S = 10;
/**
 * A download whose socket moves no byte for this long is cut: a client that stopped reading would otherwise hold
 * its slot, its connection and its snapshot (which holds back vacuum) for ever. Generous, since the first rows of
 * a large export may take a while to come.
 */
const STALLED_DOWNLOAD_TIMEOUT_MS = 2 * 60_000;
/**
 * The longest an export may stream, however steadily a client reads: a reader that takes one byte a second keeps
 * the socket busy but must not hold a slot and a snapshot for days. A month of a busy marketplace streams in
 * well under a minute (README "Benchmarks"), so this only ever cuts a deliberately slow reader.
 */
const MAX_EXPORT_DURATION_MS = 20 * 60_000;

/**
 * `GET /api/exports/<kind>.csv?…`: signed-in (better-auth session cookie), authorised per the kind's scope,
 * audited, and streamed from one snapshot (run-export.ts). Served before Next so the body streams with
 * backpressure from the database cursor to the socket.
 */
export function createExportsHandler(runtime: Runtime): (req: IncomingMessage, res: ServerResponse) => void {
  const slots = new ExportSlots(runtime.env.EXPORT_MAX_CONCURRENT);
  return (req, res) => void serveExport(runtime, slots, req, res);
}

async function serveExport(runtime: Runtime, slots: ExportSlots, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Read at use, not at creation: the process logger may be swapped after start (tests capture it).
  const logger = (): Logger => runtime.logger ?? fallbackLogger();
  let release: (() => void) | null = null;
  try {
    if (req.method !== "GET") {
      res.setHeader("allow", "GET");
      return sendError(res, 405, "method_not_allowed", "Exports are downloaded with GET.");
    }
    const request = parseExportRequest(req.url ?? "/");
    // Full before the session is even read: on PGlite that read would wait behind the streaming exports' connection.
    if (slots.full) throw busy(res);
    const viewer = await loadViewer(runtime, toHeaders(req.headers));
    const filter = await authorizeExport(runtime.database.db, { operatorEmails: runtime.env.OPERATOR_EMAILS, viewer, request });
    const platform = canUsePlatformFinance(runtime.env.OPERATOR_EMAILS, viewer!.user.email, viewer!.organization?.memberRole);
    release = platform ? slots.tryAcquire() : slots.tryAcquire(filter.organizationId ?? undefined);
    if (!release) throw busy(res);
    // Before the first byte: a download that was served is always on record, even if the client then goes away.
    await recordAudit(runtime.database.db, {
      action: "export",
      subject: request.kind,
      actor: { userId: viewer!.user.id, email: viewer!.user.email },
      organizationId: filter.organizationId ?? viewer!.organization?.id ?? null,
      details: auditDetails(request, filter),
      at: runtime.services.now(),
    });
    await streamExport(runtime, logger(), request, filter, res, release);
  } catch (err) {
    if (!(err instanceof ServiceError)) logger().error({ err, url: req.url?.split("?")[0] }, "export failed before streaming");
    const { status } = toOpenAIError(err);
    if (err instanceof ServiceError) sendError(res, status, err.code, err.message);
    else sendError(res, 500, "internal_error", "The export failed; try again, and tell the operators if it keeps failing.");
  } finally {
    release?.();
  }
}

/**
 * Streams the CSV through a PassThrough into the response, so a failing export never destroys the response
 * itself: before the first byte the client still gets a JSON error, after it the socket is destroyed (chunked
 * transfer left unterminated), so a truncated file can never look complete. A client that goes away destroys
 * the PassThrough, which stops the cursor and ends the snapshot transaction at once.
 */
async function streamExport(runtime: Runtime, logger: Logger, request: ExportRequest, filter: ExportFilter, res: ServerResponse, release: () => void): Promise<void> {
  res.statusCode = 200;
  res.setHeader("content-type", "text/csv; charset=utf-8");
  res.setHeader("content-disposition", `attachment; filename="${exportFilename(request)}"`);
  res.setHeader("cache-control", "no-store");
  res.setHeader("x-content-type-options", "nosniff");
  const body = new PassThrough();
  let clientGone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    clientGone = true;
    body.destroy(new Error("the client closed the connection"));
  };
  res.once("close", onClose);
  res.setTimeout(STALLED_DOWNLOAD_TIMEOUT_MS, () => {
    logger.warn({ kind: request.kind, timeout_ms: STALLED_DOWNLOAD_TIMEOUT_MS }, "export cut: the client stopped reading");
    res.destroy();
  });
  const cutOff = setTimeout(() => {
    logger.warn({ kind: request.kind, max_duration_ms: MAX_EXPORT_DURATION_MS }, "export cut: it streamed for longer than an export may");
    res.destroy();
  }, MAX_EXPORT_DURATION_MS);
  // The response ends only after the snapshot has committed and the slot is free: a client that downloads
  // exports one after another never finds its own previous download still holding the slot.
  body.pipe(res, { end: false });
  try {
    const { rows } = await runExport(runtime.database.db, request.kind, filter, body);
    release();
    await finished(body).catch(() => {});
    if (!res.destroyed) res.end();
    logger.info({ kind: request.kind, rows }, "export streamed");
  } catch (err) {
    body.unpipe(res);
    if (clientGone) {
      logger.info({ kind: request.kind }, "export ended early: the client went away");
      return;
    }
    logger.error({ err, kind: request.kind }, "export failed while streaming");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const name of ["content-disposition", "cache-control"]) res.removeHeader(name);
    sendError(res, 500, "internal_error", "The export failed; try again, and tell the operators if it keeps failing.");
  } finally {
    clearTimeout(cutOff);
    res.off("close", onClose);
  }
}

function busy(res: ServerResponse): ServiceError {
  res.setHeader("retry-after", String(RETRY_AFTER_S));
  return new ServiceError("rate_limited", "Too many exports are streaming (one at a time per organization); try again in a few seconds.");
}

/** The filter as strings (jsonb holds no bigint or Date): what exactly was handed out. */
function auditDetails(request: ExportRequest, filter: ExportFilter): Record<string, string> {
  const details: Record<string, string> = { period_start: filter.period.start.toISOString(), period_end: filter.period.end.toISOString(), organization_id: filter.organizationId ?? "all" };
  if (request.month) details.month = request.month;
  if (filter.apiKeyId) details.api_key_id = filter.apiKeyId;
  if (filter.modelId) details.model_id = filter.modelId;
  return details;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify({ error: { message, code } });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "cache-control": "no-store" });
  res.end(payload);
}

/** better-auth reads a WHATWG Headers; node gives repeated headers as arrays. */
function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}
