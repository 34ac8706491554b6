// The CLI's subcommands as child processes: `bench` and `serve` on an external llama-server
// (the in-repo stand-in around the tiny model), `status` against a marketplace that answers and
// one that predates the endpoint, `doctor` on a good and a broken setup against a real marketplace.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offers } from "../../../db/schema";
import { exitOf, killAgentClis, runAgentCli, waitForOutput } from "../../../test/agent-cli";
import { startFakeLlamaServer, type FakeLlamaServer } from "../../../test/fake-engines/llama-server";
import { listen } from "../../../test/fake-engines/http";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { makeTinyModel } from "../../../test/tiny-model";
import { SUITE_VERSION } from "../benchmark/suite";
import { createEmbeddedEngine } from "../engine/embedded";
import type { Engine } from "../engine/types";

let dir: string;
let modelPath: string;
let inner: Engine;
let llama: FakeLlamaServer;
let mp: TestMarketplace;
let agentToken: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "spotlane-cli-commands-"));
  modelPath = (await makeTinyModel(join(dir, "spotlane-tiny-F32.gguf"))).path;
  [mp, inner] = await Promise.all([startTestMarketplace("pglite"), createEmbeddedEngine({ modelPath, slots: 2, contextSize: 2048 })]);
  llama = await startFakeLlamaServer({ engine: inner, metrics: true });
  agentToken = (await mp.createProvider()).agentToken;
});
afterAll(async () => {
  killAgentClis();
  await llama?.close();
  await mp?.close();
  await inner?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("spotlane-agent doctor", () => {
  it("a good setup passes every check; a wrong token and a file that is not GGUF fail with reasons (exit 1)", async () => {
    const notGguf = join(dir, "not-a-model.gguf");
    await writeFile(notGguf, "<html>404 Not Found</html>");
    const good = runAgentCli(["doctor", "--server", mp.baseUrl, "--token", agentToken, "--model", modelPath]);
    const bad = runAgentCli(["doctor", "--server", mp.baseUrl, "--token", "spat-not-a-token", "--model", notGguf]);
    expect(await exitOf(good, 30_000)).toEqual({ code: 0, signal: null });
    for (const check of ["hardware", "model file", "engine", "marketplace", "clock", "token", "agent endpoint"]) expect(good.stdout()).toMatch(new RegExp(`^\\[ ok \\] ${check}\\s`, "m"));
    expect(good.stdout()).toMatch(/\[ ok \] model file\s+.*GGUF v3/);
    expect(good.stdout()).toMatch(/\[ ok \] engine\s+llama\.cpp .*generated 4 tokens/);
    expect(good.stdout()).toContain("All checks passed.");

    expect(await exitOf(bad, 30_000)).toEqual({ code: 1, signal: null });
    expect(bad.stdout()).toMatch(/\[FAIL\] model file\s+.*is not a GGUF file/);
    expect(bad.stdout()).toMatch(/\[FAIL\] engine\s/);
    expect(bad.stdout()).toMatch(/\[FAIL\] token\s+refused by the marketplace \(HTTP 401\)/);
    expect(bad.stdout()).toMatch(/\[ ok \] marketplace\s/);
    expect(bad.stderr()).toContain("3 checks failed.");
  });
});

describe("spotlane-agent status", () => {
  async function fakeMarketplace(handle: (req: IncomingMessage, body: unknown, res: ServerResponse) => void) {
    const seen: { auth?: string; body: unknown }[] = [];
    const server = await listen(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString() || "null");
      seen.push({ auth: req.headers.authorization, body });
      handle(req, body, res);
    });
    return { ...server, seen };
  }
  const json = (res: ServerResponse, status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));

  it("prints the marketplace's view with gate reasons explained; a marketplace without the endpoint gets a clear message (exit 1)", async () => {
    const answering = await fakeMarketplace((req, _body, res) =>
      req.url === "/agent/v1/machines/status"
        ? json(res, 200, {
            machines: [{ machine_id: "mach_01", name: "box-1", status: "online", last_heartbeat_at: new Date().toISOString(), offers: [{ offer_id: "off_1", model_id: "m:q4_k_m", hardware_class: "nvidia-rtx-4090", slots: 4, active_slots: 0, gate_reasons: ["ask_above_spot"], claimed: { decode_tokens_per_second: 80 }, verified: null, reliability_score: null }] }],
          })
        : json(res, 404, { error: { message: "nope", type: "invalid_request_error", param: null, code: "not_found" } }),
    );
    const old = await fakeMarketplace((req, _body, res) => json(res, 404, { error: { message: `Unknown agent endpoint: POST ${req.url}`, type: "invalid_request_error", param: null, code: "not_found" } }));
    try {
      const [ok, missing] = [runAgentCli(["status", "--server", answering.url, "--token", "spat-x", "--name", "box-1"]), runAgentCli(["status", "--server", old.url, "--machine-id", "mach_9"], { SPOTLANE_AGENT_TOKEN: "spat-y" })];
      expect(await exitOf(ok, 15_000)).toEqual({ code: 0, signal: null });
      expect(answering.seen).toEqual([{ auth: "Bearer spat-x", body: { name: "box-1" } }]);
      expect(ok.stdout()).toContain("machine box-1 (mach_01) · online · last heartbeat");
      expect(ok.stdout()).toContain("- ask_above_spot: its ask is above the market's spot price: lower --ask to take traffic");
      expect(await exitOf(missing, 15_000)).toEqual({ code: 1, signal: null });
      expect(old.seen).toEqual([{ auth: "Bearer spat-y", body: { machine_id: "mach_9" } }]);
      expect(missing.stderr()).toContain("This marketplace does not answer status requests yet (POST /agent/v1/machines/status: 404 Not Found)");
    } finally {
      await answering.close();
      await old.close();
    }
  });
});

describe("spotlane-agent bench", () => {
  it("runs the standard suite on llama-server and prints the table with engine, version, quantization and context", async () => {
    const cli = runAgentCli(["bench", "--engine", "llama-server", "--engine-url", llama.url, "--rounds", "1"]);
    expect(await exitOf(cli, 30_000)).toEqual({ code: 0, signal: null });
    const out = cli.stdout();
    expect(out).toContain(`suite ${SUITE_VERSION} · engine llama-server (llama-server b6123-79c1160b) · quantization f32 · context 2048 tokens/slot · 2 slots`);
    for (const row of ["short c=1", "short c=slots", "long c=1", "long c=slots"]) expect(out).toMatch(new RegExp(`^${row}\\s+\\d\\s+[\\d,]+\\s+[\\d.,]+\\s+[\\d.,]+\\s+[\\d,]+\\s+[\\d.,]+\\s+[\\d.,]+$`, "m"));
    expect(out).toMatch(/^claim: decode [\d.,]+ tok\/s per slot at 2 streams, prefill [\d,]+ tok\/s, TTFT p50 [\d.,]+ ms, p95 [\d.,]+ ms$/m);
    expect(out).toMatch(/^hardware cpu/m);
    expect(cli.stderr()).toContain("[bench] llama-server");
  });

  it("a bad --rounds is a usage error (exit 2) naming bench's usage", async () => {
    const cli = runAgentCli(["bench", "--model", modelPath, "--rounds", "0"]);
    expect(await exitOf(cli, 15_000)).toEqual({ code: 2, signal: null });
    expect(cli.stderr()).toContain("--rounds must be a positive integer");
    expect(cli.stderr()).toContain("Usage: npm run agent -- bench");
  });
});

describe("spotlane-agent serve --engine llama-server", () => {
  it("config from file and environment; registers the engine's own slots; canaries and buyers are served through llama-server; SIGTERM drains", async () => {
    const configPath = join(dir, "agent.json");
    await writeFile(configPath, JSON.stringify({ server: mp.baseUrl, engine: "llama-server", engine_url: llama.url, model_id: "llama-server-tiny:f32", ask: "0.001", name: "ext-engine" }));
    const cli = runAgentCli(["--config", configPath], { SPOTLANE_AGENT_TOKEN: agentToken });
    const [, machineId] = await waitForOutput(cli, /registered machine (mach_\w+) serving llama-server-tiny:f32/, 40_000);
    const [offer] = await mp.server.runtime.database.db.select().from(offers).where(eq(offers.machineId, machineId!));
    expect(offer).toMatchObject({ modelId: "llama-server-tiny:f32", engine: "llama-server", engineVersion: "llama-server b6123-79c1160b", slots: 2, hardwareClass: "cpu" });

    await mp.waitUntilVerified(machineId!);
    const served = llama.requests.length;
    const buyer = await mp.createBuyer({ credit_usd: "10" });
    const client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "llama-server-tiny:f32", messages: [{ role: "user", content: "price?" }], max_tokens: 10, temperature: 0 }).withResponse();
    expect(response.headers.get("x-spotlane-provider")).toBe(machineId);
    expect(data.usage!.completion_tokens).toBe(10);
    expect(llama.requests.length).toBeGreaterThan(served);

    cli.child.kill("SIGTERM");
    expect(await exitOf(cli, 15_000)).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toMatch(/draining[\s\S]*stopped/);
  });
});
