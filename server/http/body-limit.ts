import type { IncomingMessage, ServerResponse } from "node:http";

/** What Next.js route handlers (auth, tRPC) may receive: they read whole bodies into memory. */
export const DEFAULT_WEB_BODY_LIMIT_BYTES = 1024 * 1024;

function refuse(res: ServerResponse, limit_bytes: number, then?: () => void): void {
  if (res.headersSent) return void (then ? then() : res.destroy());
  const body = JSON.stringify({ error: { message: `Request body exceeds ${limit_bytes} bytes.`, type: "invalid_request_error", code: "request_too_large" } });
  // Close the connection: the rest of the body is never read, so the socket cannot be reused.
  res.writeHead(413, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" });
  res.end(body, then);
}

/**
 * Caps a request body before a handler that reads it whole (Next.js) sees it. A declared Content-Length
 * over the cap is refused at once with 413 (returns false: do not hand the request on). Otherwise the bytes
 * are counted as the HTTP parser delivers them, whatever way the handler reads the stream: the count sits in
 * the stream's `push` (which the parser calls for every body chunk), so it neither starts the stream
 * flowing nor steals data from the handler. Past the cap the request is answered 413 and destroyed, and the
 * handler's read fails.
 */
export function limitRequestBody(req: IncomingMessage, res: ServerResponse, limit_bytes: number): boolean {
  const declared = req.headers["content-length"];
  if (declared !== undefined) {
    const n = Number(declared);
    if (!Number.isFinite(n) || n > limit_bytes) {
      refuse(res, limit_bytes);
      req.resume();
      return false;
    }
    // Node's parser never delivers more than a valid Content-Length, so counting is not needed.
    return true;
  }
  if (req.headers["transfer-encoding"] === undefined) return true; // no body
  let seen_bytes = 0;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk !== null && chunk !== undefined) {
      seen_bytes += (chunk as Buffer).length;
      if (seen_bytes > limit_bytes) {
        // Nothing more reaches the handler; once the 413 is on the wire the request is destroyed, which fails
        // the handler's read (it must not act on a truncated body) and drops the connection.
        req.push = () => true;
        refuse(res, limit_bytes, () => req.destroy(new Error(`request body exceeds ${limit_bytes} bytes`)));
        return true;
      }
    }
    return push(chunk, encoding);
  };
  return true;
}
