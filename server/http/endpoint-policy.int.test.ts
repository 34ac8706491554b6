import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { and, desc, eq, gt } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryRuns, machines, offers } from "../../db/schema";
import { AGENT_API_PREFIX, type RegisterMachineRequest } from "../../lib/wire/agent";
import { DB_KINDS } from "../../test/database";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { freePort } from "../../test/tcp-proxy";
import { TINY_MODEL_ID } from "../../test/tiny-model";

/**
 * SSRF (issue #8): without PROVIDER_ALLOWED_NETWORKS the marketplace neither accepts nor calls a
 * non-public endpoint, and what a provider is told about failed canaries is a stable reason, never
 * the connection error (which would name addresses and ports, and tell open from closed).
 */
describe.each(DB_KINDS)("provider endpoints are public addresses only on %s", (kind) => {
  let mp: TestMarketplace;
  let trap: Server;
  let trapPort: number;
  let trapConnections = 0;

  beforeAll(async () => {
    // The public-only default of a real deployment (the harness otherwise allows loopback for its agents).
    mp = await startTestMarketplace(kind, { env: { PROVIDER_ALLOWED_NETWORKS: "" } });
    // Stands in for a database or an unauthenticated engine on the marketplace's own host.
    trap = createServer((socket) => {
      trapConnections++;
      socket.destroy();
    });
    await new Promise<void>((ok) => trap.listen(0, "127.0.0.1", () => ok()));
    trapPort = (trap.address() as AddressInfo).port;
  });
  afterAll(async () => {
    trap?.close();
    await mp?.close();
  });

  const db = () => mp.server.runtime.database.db;
  const policy = () => mp.server.runtime.services.endpoint_policy!;
  const register = (agentToken: string, endpoint_url: string) => {
    const body: RegisterMachineRequest = {
      name: `ssrf-${Math.random().toString(36).slice(2)}`,
      agent_version: "test",
      endpoint_url,
      hardware: { hardware_class: "cpu", cpu_model: "test", cpu_cores: 8, memory_mb: 65536, gpus: [] },
      offers: [
        {
          model_id: TINY_MODEL_ID,
          slots: 1,
          ask_nanos_per_second: "100000",
          engine: "llama.cpp",
          engine_version: "test",
          context_size: 1024,
          model_size_bytes: 20_000_000,
          benchmark: { decode_tokens_per_second: 50, prefill_tokens_per_second: 200, ttft_ms: 20 },
        },
      ],
    };
    return fetch(`${mp.baseUrl}${AGENT_API_PREFIX}/machines/register`, { method: "POST", headers: { authorization: `Bearer ${agentToken}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  };
  const machineStatusText = async (agentToken: string) => {
    const res = await fetch(`${mp.baseUrl}${AGENT_API_PREFIX}/machines/status`, { method: "POST", headers: { authorization: `Bearer ${agentToken}`, "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(200);
    return res.text();
  };
  /** Points a registered machine somewhere else (as a stored row or a re-resolved name would), has a canary sent, and returns its error. */
  const canaryErrorAt = async (machineId: string, endpointUrl: string): Promise<string | null> => {
    const since = new Date();
    await db().update(machines).set({ endpointUrl }).where(eq(machines.id, machineId));
    const [offer] = await db().update(offers).set({ nextCanaryAt: new Date() }).where(eq(offers.machineId, machineId)).returning({ id: offers.id });
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const [run] = await db()
        .select({ ok: canaryRuns.ok, error: canaryRuns.error })
        .from(canaryRuns)
        .where(and(eq(canaryRuns.offerId, offer!.id), gt(canaryRuns.at, since)))
        .orderBy(desc(canaryRuns.at))
        .limit(1);
      if (run && !run.ok) return run.error;
    }
    throw new Error(`no failed canary to ${endpointUrl} within 15 s`);
  };

  it.each([
    "http://127.0.0.1:5432",
    "http://[::1]:5432",
    "http://0:5432",
    "http://2130706433:5432",
    "http://0x7f.1:5432",
    "http://[::ffff:127.0.0.1]:5432",
    "http://localhost:5432",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5:8080",
    "http://user:secret@93.184.216.34:8080",
    "ftp://93.184.216.34/",
  ])("refuses to register %s with a 400 naming endpoint_url", async (endpoint_url) => {
    const provider = await mp.createProvider();
    const res = await register(provider.agentToken, endpoint_url);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; code: string; param: string } };
    expect(error.param).toBe("endpoint_url");
    expect(error.code).toBe("endpoint_not_allowed");
    expect(error.message).toMatch(/public addresses|credentials|http:\/\/ or https:\/\//);
    expect(await db().select({ id: machines.id }).from(machines).where(eq(machines.organizationId, provider.organizationId))).toEqual([]);
  });

  it("serves the one loopback agent allowed by exact host:port (the demo's), refuses connections elsewhere at connect time, and tells the provider only stable reasons", async () => {
    const agentPort = await freePort();
    policy().allowEndpoint("127.0.0.1", agentPort);
    const provider = await mp.createProvider();
    // A claim well below what the tiny model does, so a loaded test machine cannot get it suspended as slow.
    const agent = await mp.startAgent({ agentToken: provider.agentToken, name: "allowed", port: agentPort, benchmark: { decode_tokens_per_second: 10, prefill_tokens_per_second: 40, ttft_ms: 100 } });
    const machineId = agent.machineId()!;

    // The allowed agent is verified by canaries and serves buyers.
    const buyer = await mp.createBuyer();
    const client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
    const done = await client.completions.create({ model: TINY_MODEL_ID, prompt: "hi", max_tokens: 4 });
    expect(done.usage?.completion_tokens).toBeGreaterThan(0);

    // The same address at any other port stays closed to registration…
    expect((await register(provider.agentToken, `http://127.0.0.1:${trapPort}`)).status).toBe(400);
    // …and to connections: a name that resolves to loopback now (or a row stored before this check)
    // is refused after resolution, before any connection is opened.
    expect(await canaryErrorAt(machineId, `http://localhost:${trapPort}`)).toBe("endpoint_not_allowed");
    expect(await canaryErrorAt(machineId, `http://127.0.0.1:${trapPort}`)).toBe("endpoint_not_allowed");
    expect(trapConnections).toBe(0);

    // An allowed endpoint that refuses connections is `unreachable`, not ECONNREFUSED with its address.
    const closedPort = await freePort();
    policy().allowEndpoint("127.0.0.1", closedPort);
    expect(await canaryErrorAt(machineId, `http://127.0.0.1:${closedPort}`)).toBe("unreachable");

    const status = await machineStatusText(provider.agentToken);
    expect(status).toContain("endpoint_not_allowed");
    expect(status).toContain("unreachable");
    for (const leak of ["ECONNREFUSED", "127.0.0.1", "localhost", String(trapPort), String(closedPort), "connect "]) expect(status).not.toContain(leak);
    await db().update(machines).set({ endpointUrl: `http://127.0.0.1:${agentPort}` }).where(eq(machines.id, machineId));
  });
});
