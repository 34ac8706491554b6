import { mkdtempSync } from "node:fs";
import { request, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/database";
import { readEnv } from "../env";
import { startServer, type RunningServer } from "../main";
import { CLIENT_IP_HEADER } from "./client-ip";

/**
 * The node:http layer in front of Next.js, on the real server: a small handler stands in for Next (reading
 * bodies whole, as its route handlers do) so no `next build` is needed. The layer does not touch the
 * database, so PGlite only.
 */
type Seen = { url: string; clientIp: string | undefined; bytes: number };

async function start(env: Record<string, string>) {
  const database = await createTestDatabase("pglite");
  const seen: Seen[] = [];
  const webHandler = async (req: IncomingMessage, res: ServerResponse) => {
    const record: Seen = { url: req.url ?? "", clientIp: req.headers[CLIENT_IP_HEADER] as string | undefined, bytes: 0 };
    seen.push(record);
    try {
      for await (const chunk of req) record.bytes += (chunk as Buffer).length;
    } catch {
      return;
    }
    res.writeHead(200, { "content-type": "text/html" }).end("<html>dashboard</html>");
  };
  const server = await startServer({
    env: readEnv({ PORT: "0", DATA_DIR: mkdtempSync(join(tmpdir(), "spotlane-front-")), SPOTLANE_DEMO: "false", TEST_CREDIT_USD: "0", LOG_LEVEL: "silent", ...env }),
    database,
    workers: false,
    webHandler,
  });
  return { server, seen, close: async () => (await server.close(), await database.close()) };
}

function raw(server: RunningServer, opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer }): Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, method: opts.method ?? "GET", path: opts.path, headers: opts.headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

describe("the HTTP layer in front of the dashboard, behind one trusted proxy, without METRICS_TOKEN", () => {
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    s = await start({ TRUSTED_PROXY_HOPS: "1" });
  });
  afterAll(() => s?.close());

  it("refuses a 200 MB sign-in body with 413 before the dashboard reads it", async () => {
    const before = s.seen.length;
    // Declared only: the answer must come without the body being sent.
    const res = await raw(s.server, { method: "POST", path: "/api/auth/sign-in/email", headers: { "content-type": "application/json", "content-length": String(200 * 1024 * 1024) } }).catch((e) => e);
    expect(res.status).toBe(413);
    expect(s.seen.length).toBe(before);
  });

  it("lets /v1 keep its own (larger) body limit", async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const res = await raw(s.server, { method: "POST", path: "/v1/chat/completions", headers: { "content-type": "application/json", "content-length": String(body.length), authorization: "Bearer sk-spot-nope" }, body });
    expect(res.status).not.toBe(413);
    expect(res.status).toBeLessThan(500);
  });

  it("sends security headers on dashboard responses", async () => {
    const res = await raw(s.server, { path: "/dashboard" });
    expect(res.status).toBe(200);
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  });

  it("hands the dashboard the client address from the trusted hop, never one the client wrote", async () => {
    await raw(s.server, { path: "/sign-in", headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.7", [CLIENT_IP_HEADER]: "1.2.3.4" } });
    expect(s.seen.at(-1)!.clientIp).toBe("203.0.113.7");
  });

  it("puts Access-Control-Allow-Origin on every /v1 answer, errors included, and answers preflights", async () => {
    const unauthorized = await raw(s.server, { path: "/v1/models", headers: { origin: "https://app.example" } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers["access-control-allow-origin"]).toBe("*");
    const missing = await raw(s.server, { path: "/v1/nope" });
    expect(missing.status).toBe(404);
    expect(missing.headers["access-control-allow-origin"]).toBe("*");
    const preflight = await raw(s.server, { method: "OPTIONS", path: "/v1/chat/completions", headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, x-stainless-os" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("*");
    expect(preflight.headers["access-control-allow-headers"]).toContain("x-stainless-os");
  });

  it("serves /metrics to this host only", async () => {
    expect((await raw(s.server, { path: "/metrics", headers: { "x-forwarded-for": "127.0.0.1" } })).status).toBe(200);
    const remote = await raw(s.server, { path: "/metrics", headers: { "x-forwarded-for": "203.0.113.8" } });
    expect(remote.status).toBe(403);
    expect(remote.body).not.toContain("spotlane_");
  });
});

describe("/metrics with METRICS_TOKEN", () => {
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    s = await start({ METRICS_TOKEN: "metrics-token-0123456789" });
  });
  afterAll(() => s?.close());

  it("needs the bearer token, even from loopback", async () => {
    expect((await raw(s.server, { path: "/metrics" })).status).toBe(401);
    expect((await raw(s.server, { path: "/metrics", headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    const ok = await raw(s.server, { path: "/metrics", headers: { authorization: "Bearer metrics-token-0123456789" } });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("spotlane_gateway_requests_total");
  });
});
