// Small helpers the fake engine servers share: JSON and SSE responses, request bodies, listening.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  const out = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(out), ...headers });
  res.end(out);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string) {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
}

export type Gauge = { name: string; help: string; type: "gauge" | "counter"; samples: { labels?: Record<string, string>; value: number }[] };

/** Prometheus text exposition format 0.0.4, as prometheus_client (vLLM) and llama-server print it. */
export function prometheusText(metrics: Gauge[], formatValue: (v: number) => string = String): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) {
      const labels = s.labels && Object.keys(s.labels).length > 0 ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}` : "";
      lines.push(`${m.name}${labels} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export type Listening = { server: Server; url: string; close(): Promise<void> };

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>, port = 0): Promise<Listening> {
  // Test fake: `void`, so a throw escaping an async handler surfaces as an unhandled rejection and fails the run loudly.
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((ok, fail) => server.once("error", fail).listen(port, "127.0.0.1", () => ok()));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
