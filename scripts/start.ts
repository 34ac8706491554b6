/**
 * `npm start`: the whole marketplace on one port, on the embedded default. Builds the dashboard if
 * needed, makes the tiny demo model, starts the server (PGlite unless DATABASE_URL is set), seeds
 * the demo buyer and provider, starts a real agent process running llama.cpp, and prints how to call it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { join, relative, resolve } from "node:path";
import { makeTinyModel, TINY_MODEL_ID } from "../test/tiny-model";
import { readEnv } from "../server/env";
import { startServer } from "../server/main";
import { seedDemo, DEMO_BUYER } from "../server/seed-demo";
import { ensureNextBuild } from "./ensure-next-build";
import { seedReferenceFingerprints } from "./seed-reference-fingerprints";

const DEMO_ASK_USD_PER_SECOND = "0.00005";
const root = resolve(import.meta.dirname, "..");
const log = (m: string) => console.log(`[spotlane] ${m}`);

/** A loopback port free right now: the demo agent listens on it, and the marketplace allows exactly that endpoint. */
async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ok, fail) => probe.once("error", fail).listen(0, "127.0.0.1", () => ok()));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

async function waitForModel(baseUrl: string, apiKey: string, modelId: string, timeout_ms: number): Promise<boolean> {
  const deadline = Date.now() + timeout_ms;
  while (Date.now() < deadline) {
    const res = await fetch(`${baseUrl}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } }).catch(() => null);
    const body = (await res?.json().catch(() => null)) as { data?: { id: string; spotlane: { markets: { live_offers: number }[] } }[] } | null;
    if (body?.data?.some((m) => m.id === modelId && m.spotlane.markets.some((mk) => mk.live_offers > 0))) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function banner(baseUrl: string, apiKey: string, dbKind: string, dataDir: string, stripe: boolean) {
  const line = "─".repeat(72);
  console.log(`
${line}
 Spotlane is running  (${dbKind === "pglite" ? `embedded PGlite in ${dataDir}` : "PostgreSQL"})

 Dashboard   ${baseUrl}        demo sign-in: ${DEMO_BUYER.email} / ${DEMO_BUYER.password}
 API base    ${baseUrl}/v1
 Demo key    ${apiKey}
             ${stripe ? `(no test credit: top up on the Billing page, paid through Stripe; saved in ${dataDir}/demo-credentials.json)` : `(local test balance — no real money is charged; saved in ${dataDir}/demo-credentials.json)`}

 curl ${baseUrl}/v1/chat/completions \\
   -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" \\
   -d '{"model":"${TINY_MODEL_ID}","messages":[{"role":"user","content":"Hello"}],"max_tokens":32}'

 node --input-type=module -e '
   import OpenAI from "openai";
   const client = new OpenAI({ baseURL: "${baseUrl}/v1", apiKey: "${apiKey}" });
   const r = await client.chat.completions.create({ model: "${TINY_MODEL_ID}", messages: [{ role: "user", content: "Hello" }], max_tokens: 32 });
   console.log(r.choices[0].message.content, r.usage);'

 The demo model is a tiny random-weight llama: real inference, gibberish text.
 Ctrl-C stops everything.
${line}
`);
}

async function main() {
  const env = readEnv();
  // The embedded demo's one person runs the whole deployment: they see the Operations page too.
  if (env.SPOTLANE_DEMO && env.OPERATOR_EMAILS.length === 0) env.OPERATOR_EMAILS = [DEMO_BUYER.email];
  const dataDir = resolve(root, env.DATA_DIR);
  // `--skip-build`: another process owns the dashboard build (e2e's second marketplace waits for the first's):
  // two `next build`s at once, or one under a running server, would write over each other's .next.
  if (process.argv.includes("--skip-build")) log("dashboard build skipped (--skip-build)");
  else ensureNextBuild(root, log);
  const server = await startServer({ env, dir: root });
  log(`listening on ${server.url}`);
  const stripe = Boolean(server.runtime.services.stripe);
  // Say plainly which money this deployment moves: Stripe's, or none at all.
  if (stripe) {
    log(`payments go through Stripe${env.STRIPE_API_BASE ? ` at ${env.STRIPE_API_BASE}` : ""} (${env.STRIPE_SECRET_KEY?.startsWith("sk_live_") || env.STRIPE_SECRET_KEY?.startsWith("rk_live_") ? "LIVE keys: real charges" : "test-mode keys"}); new organizations get no test credit`);
    log(`Stripe webhook endpoint: ${server.url}/api/stripe/webhook (README "Payments → Webhooks" lists the events)`);
  } else {
    log("payments are not configured (STRIPE_SECRET_KEY unset): every balance is a local test balance, nothing is charged");
  }

  let agent: ChildProcess | null = null;
  if (env.SPOTLANE_DEMO) {
    const model = await makeTinyModel(join(dataDir, "models", "spotlane-tiny.gguf"));
    const creds = await seedDemo(server.runtime, join(dataDir, "demo-credentials.json"));
    // The demo model's expected outputs, from our own copy of it: an agent serving other weights under
    // its id is caught by canaries and suspended (rather than defining the model by trust on first use).
    if (await seedReferenceFingerprints(server.runtime.database.db, { modelPath: model.path, modelId: model.modelId })) log(`seeded reference fingerprints for ${model.modelId}`);
    // Loopback is refused for providers (server/http/endpoint-policy.ts); only the demo agent's own host:port is let through.
    const agentPort = await freeLoopbackPort();
    server.runtime.services.endpoint_policy?.allowEndpoint("127.0.0.1", agentPort);
    agent = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "agent", "src", "cli.ts"), "--server", server.url, "--token", creds.agentToken!, "--model", model.path, "--model-id", model.modelId, "--ask", DEMO_ASK_USD_PER_SECOND, "--slots", "2", "--name", "demo-provider", "--host", "127.0.0.1", "--port", String(agentPort)],
      { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
    );
    agent.on("exit", (code, signal) => {
      if (!stopping) log(`demo agent exited (${signal ?? code}); the marketplace keeps running without it`);
    });
    if (await waitForModel(server.url, creds.apiKey, model.modelId, 120_000)) banner(server.url, creds.apiKey, server.runtime.database.kind, relative(root, dataDir) || ".", stripe);
    else log("the demo agent did not come online within 2 minutes; see its log above");
  } else {
    log(`API base ${server.url}/v1 (demo disabled: SPOTLANE_DEMO=false)`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log("shutting down…");
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent.once("exit", r));
      agent.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 35_000))]);
    }
    await server.close();
    log("stopped");
    process.exit(0);
  };
  // A failed shutdown (e.g. the server's close rejecting) must still end the process, and with a non-zero code.
  const stopOrFail = () => {
    stop().catch((err: unknown) => {
      console.error(`[spotlane] shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    });
  };
  process.on("SIGINT", stopOrFail);
  process.on("SIGTERM", stopOrFail);
}

main().catch((err) => {
  console.error(`[spotlane] failed to start: ${(err as Error).message}`);
  process.exit(1);
});
