// The real `spotlane-agent` CLI as a child process against an in-process test marketplace:
// flags, benchmark, registration, serving through the gateway, SIGTERM and SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machines, offers, requests, reservations } from "../../db/schema";
import { usdToNanos } from "../../lib/money";
import { accountBalanceNanos } from "../../server/billing/balances";
import { startTestMarketplace, tinyModelPath, type TestMarketplace } from "../../test/marketplace";
import { makeTinyModel } from "../../test/tiny-model";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

type Cli = { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };

const children: ChildProcess[] = [];

function runCli(args: string[]): Cli {
  const child = spawn(process.execPath, ["--import", "tsx", "agent/src/cli.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SPOTLANE_AGENT_TOKEN: "" } });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the first match of `re` in the child's stdout; fails if it exits or `timeout_ms` passes first. */
async function waitForOutput(cli: Cli, re: RegExp, timeout_ms: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const m = re.exec(cli.stdout());
    if (m) return m;
    if (cli.child.exitCode !== null || cli.child.signalCode !== null || Date.now() > deadline) {
      throw new Error(`agent did not print ${re} (exit ${cli.child.exitCode ?? cli.child.signalCode})\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, fail) => (t = setTimeout(() => fail(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

let mp: TestMarketplace;
let modelPath: string;
let agentToken: string;

beforeAll(async () => {
  [mp, { path: modelPath }] = await Promise.all([startTestMarketplace("pglite", { verification: "trust" }), makeTinyModel(tinyModelPath())]);
  agentToken = (await mp.createProvider()).agentToken;
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await mp?.close();
});

const db = () => mp.server.runtime.database.db;
const agentArgs = (modelId: string, name: string) => ["--server", mp.baseUrl, "--token", agentToken, "--model", modelPath, "--model-id", modelId, "--name", name, "--slots", "1", "--ask", "0.001", "--context", "2048"];

describe("spotlane-agent CLI", () => {
  it("benchmarks, registers, serves through the gateway, and on SIGTERM drains, exits 0 and leaves the machine offline", async () => {
    const modelId = "cli-tiny:f32";
    const cli = runCli(agentArgs(modelId, "cli-agent"));
    const [, machineId] = await waitForOutput(cli, /registered machine (mach_\w+) serving cli-tiny:f32 at (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
    // Measured, not assumed: the claimed decode rate in the offer is what the benchmark printed.
    const [, decode] = /benchmark: decode (\d+) tok\/s, prefill (\d+) tok\/s, TTFT [\d.]+ ms/.exec(cli.stdout())!;
    expect(Number(decode)).toBeGreaterThan(0);
    const [offer] = await db().select().from(offers).where(eq(offers.machineId, machineId!));
    expect(offer).toMatchObject({ modelId, slots: 1, askNanosPerSecond: 1_000_000n, engine: "llama.cpp", hardwareClass: "cpu", status: "live" });
    expect(Math.abs(offer!.claimedDecodeTokensPerSecond - Number(decode))).toBeLessThanOrEqual(1);
    expect((await db().select().from(machines).where(eq(machines.id, machineId!)))[0]).toMatchObject({ name: "cli-agent", status: "online" });

    const buyer = await mp.createBuyer({ credit_usd: "10" });
    const client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
    const { data, response } = await client.completions.create({ model: modelId, prompt: "The spot price of", max_tokens: 12, temperature: 0 }).withResponse();
    expect(data.choices[0]!.text.length).toBeGreaterThan(0);
    expect(data.usage!.completion_tokens).toBe(12);
    expect(response.headers.get("x-spotlane-provider")).toBe(machineId);
    await mp.settled();
    const [row] = await db().select().from(requests).where(eq(requests.id, response.headers.get("x-spotlane-request-id")!));
    expect(row).toMatchObject({ status: "completed", machineId, completionTokens: 12 });

    cli.child.kill("SIGTERM");
    expect(await withTimeout(cli.exited, 10_000, "agent exit after SIGTERM")).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toMatch(/draining[\s\S]*stopped/);
    expect((await db().select().from(machines).where(eq(machines.id, machineId!)))[0]!.status).toBe("offline");
  });

  it("an agent process killed mid-stream (SIGKILL): the buyer gets an OpenAI error, the request fails unbilled", async () => {
    const modelId = "cli-killed-tiny:f32";
    const cli = runCli(agentArgs(modelId, "cli-killed"));
    await waitForOutput(cli, /registered machine (mach_\w+)/, 30_000);
    const buyer = await mp.createBuyer({ credit_usd: "10" });
    const client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: modelId, messages: [{ role: "user", content: "go on" }], max_tokens: 1500, temperature: 0, stream: true })
      .withResponse();
    let n = 0;
    const err = await (async () => {
      for await (const _ of stream) if (++n === 3) cli.child.kill("SIGKILL");
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({ code: "provider_stream_failed" });
    expect(await withTimeout(cli.exited, 5_000, "agent exit after SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    const requestId = response.headers.get("x-spotlane-request-id")!;
    await mp.settled();
    const [row] = await db().select().from(requests).where(eq(requests.id, requestId));
    expect(row).toMatchObject({ status: "failed", costNanos: 0n });
    expect(await db().select().from(reservations).where(eq(reservations.organizationId, buyer.organizationId))).toEqual([]);
    expect(await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId)).toBe(usdToNanos("10"));
  });

  it("bad flags → exit 2 with the usage, before any model is loaded", async () => {
    const cases = [
      { args: [] as string[], message: "--server is required" },
      { args: ["--bogus"], message: "Unknown option '--bogus'" },
      { args: ["--server"], message: "argument missing" },
      { args: ["--server", "not a url", "--token", "t", "--model", "m.gguf"], message: "--server must be a URL" },
      { args: ["--server", "http://127.0.0.1:9", "--model", "m.gguf"], message: "--token is required" },
      { args: ["--server", "http://127.0.0.1:9", "--token", "t", "--model", "m.gguf", "--slots", "0"], message: "--slots must be a positive integer" },
      { args: ["--server", "http://127.0.0.1:9", "--token", "t", "--model", "m.gguf", "--ask", "1e-4"], message: "--ask must be a USD amount" },
      // m.gguf does not exist: a load would fail with exit 1, so exit 2 proves the check came first.
      { args: ["--server", "http://127.0.0.1:9", "--token", "t", "--model", "m.gguf", "--port", "http"], message: "--port must be a positive integer" },
    ];
    // In parallel: each is a Node start-up (~1 s here), and none touches the marketplace.
    const results = await Promise.all(
      cases.map(async ({ args }) => {
        const cli = runCli(args);
        const exit = await withTimeout(cli.exited, 20_000, `agent exit on ${args.join(" ")}`);
        return { args, exit, stderr: cli.stderr() };
      }),
    );
    for (const [i, r] of results.entries()) {
      expect({ args: r.args, exit: r.exit }).toEqual({ args: cases[i]!.args, exit: { code: 2, signal: null } });
      expect(r.stderr).toContain(cases[i]!.message);
      expect(r.stderr).toContain("Usage: npm run agent -- --server URL");
    }
  });

  it("--help prints usage and exits 0", async () => {
    const cli = runCli(["--help"]);
    expect(await withTimeout(cli.exited, 15_000, "agent exit on --help")).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toContain("Usage: npm run agent -- --server URL");
  });
});
