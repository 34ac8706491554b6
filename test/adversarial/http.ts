// Raw HTTP for adversarial tests: bytes exactly as given (no client-side validation or retries),
// the answer read whole, and how long it took.
import { request } from "node:http";

export type RawAnswer = { status: number; contentType: string; text: string; headers: Record<string, string | string[] | undefined>; elapsed_ms: number };

/**
 * One request on a fresh connection by default (so one broken connection cannot make the next,
 * unrelated case hang); `keepAlive` passes an agent whose connections are reused.
 */
export function rawRequest(baseUrl: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string; timeout_ms?: number; agent?: import("node:http").Agent; hang_up_after_ms?: number }): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, agent: opts.agent ?? false, method: opts.method ?? "GET", path: opts.path, headers: { ...(opts.body !== undefined ? { "content-length": String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers }, timeout: opts.timeout_ms ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        // A stream the gateway cuts short still counts as an answer: what arrived is what the client saw.
        res.on("close", () =>
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8"), headers: res.headers, elapsed_ms: performance.now() - started }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeout_ms ?? 30_000} ms`)));
    if (opts.hang_up_after_ms !== undefined) {
      // A client that goes away mid-request: whatever arrived by then is its answer (status 0 if none).
      const timer = setTimeout(() => req.destroy(new Error("hung up")), opts.hang_up_after_ms);
      req.on("close", () => clearTimeout(timer));
      req.on("error", (err) => (err.message === "hung up" ? resolve({ status: 0, contentType: "", text: "", headers: {}, elapsed_ms: performance.now() - started }) : reject(err)));
    } else req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Error events inside a 200 SSE answer (a provider failing mid-stream): their JSON bodies. */
export function sseErrors(text: string): { status: number; contentType: string; text: string }[] {
  return text
    .split(/\n\n/)
    .map((e) => e.replace(/^data: ?/, ""))
    .filter((d) => d.startsWith('{"error"'))
    .map((d) => ({ status: 599, contentType: "application/json", text: d }));
}
