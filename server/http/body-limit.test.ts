import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitRequestBody } from "./body-limit";

const LIMIT = 64 * 1024;

/** A handler that reads the whole body as Next.js route handlers do, behind the cap. */
function startServer() {
  const seen: { bytes: number; error: string | null; completed: boolean }[] = [];
  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (!limitRequestBody(req, res, LIMIT)) return;
    const record = { bytes: 0, error: null as string | null, completed: false };
    seen.push(record);
    try {
      for await (const chunk of req) record.bytes += (chunk as Buffer).length;
      record.completed = true;
      res.writeHead(200, { "content-type": "text/plain" }).end(String(record.bytes));
    } catch (err) {
      record.error = (err as Error).message;
    }
  }
  // Test fake: `void`, so a throw escaping the handler surfaces as an unhandled rejection and fails the run loudly.
  const server = createServer((req, res) => void handle(req, res));
  return { server, seen };
}

function send(port: number, opts: { headers: Record<string, string>; chunks: Buffer[]; gap_ms?: number }): Promise<{ status: number | null; body: string; error: string | null }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: { status: number | null; body: string; error: string | null }) => {
      if (!settled) (settled = true), resolve(v);
    };
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/api/auth/sign-in/email", headers: opts.headers }, (res: IncomingMessage) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => done({ status: res.statusCode ?? null, body, error: null }));
      res.on("error", () => done({ status: res.statusCode ?? null, body, error: null }));
    });
    req.on("error", (err) => done({ status: null, body: "", error: err.message }));
    // Written in the background: the outcome arrives through req's and res's events above.
    void (async () => {
      for (const c of opts.chunks) {
        if (req.destroyed) return;
        req.write(c);
        if (opts.gap_ms) await new Promise((r) => setTimeout(r, opts.gap_ms));
      }
      if (!req.destroyed) req.end();
    })();
  });
}

describe("limitRequestBody", () => {
  let server: Server;
  let seen: ReturnType<typeof startServer>["seen"];
  let port: number;
  beforeAll(async () => {
    ({ server, seen } = startServer());
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it("refuses a declared Content-Length over the cap with 413 before the handler runs", async () => {
    const before = seen.length;
    // Declares 200 MB but sends only the first chunk: the answer must not wait for the rest.
    const r = await send(port, { headers: { "content-type": "application/json", "content-length": String(200 * 1024 * 1024) }, chunks: [Buffer.alloc(1024)] });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe("request_too_large");
    expect(seen.length).toBe(before);
  });

  it("cuts a chunked body at the cap: 413, and the handler never sees more than the cap nor a truncated body as complete", async () => {
    const before = seen.length;
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(16 * 1024, 0x61)); // 640 KiB, 10× the cap
    const r = await send(port, { headers: { "content-type": "application/json", "transfer-encoding": "chunked" }, chunks, gap_ms: 2 });
    // The connection is dropped after the 413 is written; a client still uploading may see the reset first.
    if (r.status !== null) expect(r.status).toBe(413);
    else expect(r.error).toMatch(/ECONNRESET|EPIPE|socket hang up/);
    await new Promise((res) => setTimeout(res, 50));
    const record = seen[before]!;
    expect(record.bytes).toBeLessThanOrEqual(LIMIT);
    expect(record.completed).toBe(false);
    expect(record.error).not.toBeNull();
  });

  it("passes bodies under the cap through intact, chunked or not", async () => {
    const chunked = await send(port, { headers: { "transfer-encoding": "chunked" }, chunks: [Buffer.alloc(20_000), Buffer.alloc(20_000)] });
    expect(chunked).toEqual({ status: 200, body: "40000", error: null });
    const sized = await send(port, { headers: { "content-length": String(LIMIT) }, chunks: [Buffer.alloc(LIMIT)] });
    expect(sized).toEqual({ status: 200, body: String(LIMIT), error: null });
  });
});
