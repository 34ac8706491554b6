import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { openDatabase, type Database } from "../db/client";
import { usdToNanos } from "../lib/money";
import { AGENT_API_PREFIX } from "../lib/wire/agent";
import { createAuth } from "./auth/auth";
import type { ServiceContext } from "./context";
import type { Env } from "./env";
import { ApiKeyCache } from "./gateway/api-key-cache";
import { createGatewayHandler } from "./gateway/handler";
import { createGatewayMetrics, sendMetrics } from "./gateway/metrics";
import { sendOpenAIError } from "./gateway/openai-errors";
import { createAgentApiHandler } from "./providers/agent-api";
import { ServiceError } from "./errors";
import { loggerFromEnv } from "./logger";
import { setRuntime, type Runtime } from "./runtime";
import { startWorkers } from "../workers";
import { SettlementQueue } from "./billing/settlement-queue";
import { CreditLeases } from "./billing/credit-leases";
import { KeyRateLimiter } from "./gateway/rate-limiter";
import { OfferBook } from "./gateway/offer-book";
import { SpotPriceCache } from "./market/spot-price-cache";
import { StandingBidCache } from "./market/standing-bid-cache";

export type RunningServer = { url: string; port: number; runtime: Runtime; close(drain_ms?: number): Promise<void> };

export type StartOptions = {
  env: Env;
  /** Serve the Next.js dashboard (needs `next build` unless dev). Off for gateway-only tests. */
  web?: boolean;
  dev?: boolean;
  /** Project root (where .next and app/ live). */
  dir?: string;
  /** Use an already open database (tests); otherwise opened from env. */
  database?: Database;
  /** Run the background workers (clearing tick, verification, …) in this process. Default true. */
  workers?: boolean;
};

function authSecret(env: Env, dataDir: string): string {
  if (env.BETTER_AUTH_SECRET) return env.BETTER_AUTH_SECRET;
  const file = join(dataDir, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** One process, one port: /v1 gateway, /agent/v1 agent API, everything else Next.js (DESIGN §2). */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { env } = opts;
  const dir = resolve(opts.dir ?? process.cwd());
  const dataDir = resolve(dir, env.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const logger = loggerFromEnv(env);
  const metrics = createGatewayMetrics();
  const database = opts.database ?? (await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: join(dataDir, "pglite") }));

  let ready: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (ready) return ready(req, res);
    sendOpenAIError(res, new ServiceError("no_provider_available", "Spotlane is starting; retry in a moment."));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((ok, fail) => server.once("error", fail).listen(env.PORT, env.HOST, () => ok()));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = env.PUBLIC_URL ?? `http://${env.HOST === "0.0.0.0" ? "127.0.0.1" : env.HOST}:${port}`;

  const services: ServiceContext = {
    db: database.db,
    now: () => new Date(),
    platform_fee_bps: env.PLATFORM_FEE_BPS,
    test_credit_nanos: usdToNanos(env.TEST_CREDIT_USD),
    trust_offer_claims: !env.VERIFICATION_ENABLED,
  };
  const auth = createAuth({ db: database.db, secret: authSecret(env, dataDir), baseUrl, testCreditNanos: services.test_credit_nanos });
  const runtime: Runtime = { env, baseUrl, database, auth, services, logger, metrics };
  setRuntime(runtime);

  // Replay settlements a crashed predecessor logged but did not commit, before taking traffic.
  const leases = new CreditLeases(services, env.INSTANCE_ID);
  const settlements = new SettlementQueue(services, {
    leases,
    walDir: join(dataDir, "settlement-wal", env.INSTANCE_ID),
    flush_interval_ms: env.SETTLEMENT_FLUSH_INTERVAL_MS,
    onError: (err) => logger.error({ err }, "settlement flush failed; will retry"),
    onFlushed: (batch) => metrics.settlementFlushed(batch),
  });
  const recovered = await settlements.recover();
  if (recovered > 0) logger.warn({ recovered }, "replayed settlements from the write-ahead log");
  settlements.start();
  leases.start();
  metrics.observeSettlementQueueDepth(() => settlements.depth);
  runtime.settlements = settlements;

  const offerBook = new OfferBook(database.db, () => Date.now());
  const spotPrices = new SpotPriceCache({ db: database.db, logger: logger.child({ component: "spot-prices" }) });
  await spotPrices.start();
  const standingBidCache = new StandingBidCache(database.db, () => Date.now());
  runtime.offerBook = offerBook;
  const gateway = createGatewayHandler({
    services,
    offerBook,
    keys: new ApiKeyCache(database.db, () => Date.now()),
    limiter: new KeyRateLimiter(() => Date.now()),
    settlements,
    leases,
    inflight: new Map(),
    rtt_ms: new Map(),
    spotPrice: (model, hardware) => spotPrices.get(model, hardware),
    standingBid: (org, model) => standingBidCache.get(org, model),
    random: Math.random,
    upstream_headers_timeout_ms: 30_000,
    dispatch_deadline_ms: 60_000,
    max_attempts: 3,
    metrics,
    logger: logger.child({ component: "gateway" }),
  });
  const agentApi = createAgentApiHandler(services, logger.child({ component: "agent-api" }));

  const stopWorkers = opts.workers === false ? async () => {} : await startWorkers(runtime);

  let web: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  if (opts.web !== false) {
    const { default: next } = await import("next");
    const app = next({ dev: opts.dev ?? false, dir, hostname: env.HOST, port });
    await app.prepare();
    web = app.getRequestHandler();
  }

  // Buyer requests in progress: shutdown lets them finish (up to a deadline) instead of cutting them off.
  let gatewayInflight = 0;
  ready = (req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/v1/") || url === "/v1") {
      gatewayInflight++;
      res.once("close", () => gatewayInflight--);
      return void gateway(req, res);
    }
    if (url.startsWith(AGENT_API_PREFIX + "/")) return void agentApi(req, res);
    if (url === "/metrics" && req.method === "GET") return void sendMetrics(metrics, res).catch((err) => sendOpenAIError(res, err));
    if (url === "/healthz") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", database: database.kind }));
    if (web) return void web(req, res);
    sendOpenAIError(res, new ServiceError("not_found", `Not found: ${url}`));
  };

  return {
    url: baseUrl,
    port,
    runtime,
    async close(drain_ms = 10_000) {
      await stopWorkers();
      // Stop accepting, let buyers' requests in flight finish, then cut whatever is left.
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeIdleConnections();
      const deadline = Date.now() + drain_ms;
      while (gatewayInflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      server.closeAllConnections();
      await closed;
      await spotPrices.stop();
      await settlements.stop();
      await leases.stop();
      setRuntime(undefined);
      if (!opts.database) await database.close();
    },
  };
}
