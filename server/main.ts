import { recordSettingsChanges } from "./finance/audit/record-settings-changes";
import { EXPORTS_PATH_PREFIX } from "../lib/export-catalog";
import { createExportsHandler } from "./finance/exports/http-handler";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { openDatabase, type Database } from "../db/client";
import { usdToNanos } from "../lib/money";
import { AGENT_API_PREFIX } from "../lib/wire/agent";
import { createAuth } from "./auth/auth";
import { payoutPolicyFromEnv } from "./billing/payouts/policy";
import { stripeBillingFromEnv } from "./billing/stripe/client";
import type { ServiceContext } from "./context";
import type { Env } from "./env";
import { ApiKeyCache } from "./gateway/api-key-cache";
import { createGatewayHandler } from "./gateway/handler";
import { createGatewayMetrics, sendMetrics } from "./gateway/metrics";
import { sendOpenAIError } from "./http/openai-errors";
import { createAgentApiHandler } from "./providers/agent-api";
import { ServiceError } from "./errors";
import { loggerFromEnv } from "./logger";
import { setRuntime, type Runtime } from "./runtime";
import { startWorkers, type Worker } from "../workers";
import { startJobQueue } from "./jobs/queue";
import { createStripeWebhookHandler, STRIPE_WEBHOOK_PATH } from "./billing/stripe/webhook-endpoint";
import { countStripeEventsByStatus } from "./billing/stripe/failed-events";
import { SettlementQueue } from "./billing/settlement-queue";
import { CreditLeases } from "./billing/credit-leases";
import { countOpenDeadLetters } from "./billing/dead-letters";
import { KeyRateLimiter } from "./gateway/rate-limiter";
import { OfferBook } from "./gateway/offer-book";
import { SpotPriceCache } from "./market/spot-price-cache";
import { StandingBidCache } from "./market/standing-bid-cache";
import { DEFAULT_WEB_BODY_LIMIT_BYTES, limitRequestBody } from "./http/body-limit";
import { CLIENT_IP_HEADER, resolveClientIp } from "./http/client-ip";
import { metricsAccess } from "./http/metrics-access";
import { dashboardSecurityHeaders } from "./http/security-headers";
import { EndpointPolicy } from "./http/endpoint-policy";

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
  /**
   * Run the background workers (clearing tick, verification, Stripe events, …) and the durable job queue in
   * this process. Default true (every worker in workers/index.ts); a list runs just those (tests).
   */
  workers?: boolean | Worker[];
  /**
   * Stands in for Next's request handler (tests of the HTTP layer in front of it: body caps, headers,
   * client address), so they need no `next build`. When given, Next is not started.
   */
  webHandler?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
};

function authSecret(env: Env, dataDir: string): string {
  if (env.BETTER_AUTH_SECRET) return env.BETTER_AUTH_SECRET;
  const file = join(dataDir, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** One process, one port: /v1 gateway, /agent/v1 agent API, /api/stripe/webhook, everything else Next.js (DESIGN §2). */
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

  const stripe = stripeBillingFromEnv(env);
  const services: ServiceContext = {
    db: database.db,
    now: () => new Date(),
    platform_fee_bps: env.PLATFORM_FEE_BPS,
    // With Stripe configured money comes only from Stripe: no organization gets test credit.
    test_credit_nanos: stripe ? 0n : usdToNanos(env.TEST_CREDIT_USD),
    stripe,
    base_url: baseUrl,
    payout_policy: payoutPolicyFromEnv(env),
    trust_offer_claims: !env.VERIFICATION_ENABLED,
    endpoint_policy: new EndpointPolicy({ allowed: env.PROVIDER_ALLOWED_NETWORKS }),
  };
  const auth = createAuth({
    db: database.db,
    secret: authSecret(env, dataDir),
    baseUrl,
    testCreditNanos: services.test_credit_nanos,
    mode: opts.dev ? "development" : env.NODE_ENV,
    // No PUBLIC_URL: the embedded default on this host, reached as localhost or 127.0.0.1 on this port.
    localOrigins: env.PUBLIC_URL ? [] : [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`],
    testCreditGrantsPerHour: env.TEST_CREDIT_GRANTS_PER_HOUR,
  });
  const runtime: Runtime = { env, baseUrl, database, auth, services, logger, metrics };
  setRuntime(runtime);

  // Replay settlements a crashed predecessor logged but did not commit, before taking traffic.
  const leases = new CreditLeases(services, env.INSTANCE_ID);
  const settlements = new SettlementQueue(services, {
    leases,
    walDir: join(dataDir, "settlement-wal", env.INSTANCE_ID),
    instanceId: env.INSTANCE_ID,
    flush_interval_ms: env.SETTLEMENT_FLUSH_INTERVAL_MS,
    onError: (err) => logger.error({ err }, "settlement flush failed; will retry"),
    onFlushed: (batch) => metrics.settlementFlushed(batch),
  });
  const recovered = await settlements.recover();
  if (recovered > 0) logger.warn({ recovered }, "replayed settlements from the write-ahead log");
  settlements.start();
  leases.start();
  metrics.observeSettlementQueueDepth(() => settlements.depth);
  metrics.observeDeadLetters(() => countOpenDeadLetters(services));
  metrics.observeStripeEvents(() => countStripeEventsByStatus(services));
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

  const stripeWebhook = createStripeWebhookHandler({ services, jobs: () => runtime.jobs, logger });
  const exportsHandler = createExportsHandler(runtime);
  await recordSettingsChanges(services);
  // The queue lives with the workers role; a process without it still stores webhook events (the workers' sweeper enqueues them).
  if (opts.workers !== false) {
    runtime.jobs = await startJobQueue(database, { poll_interval_ms: env.JOB_POLL_INTERVAL_MS, retry_delay_s: env.JOB_RETRY_DELAY_S, retry_limit: env.JOB_RETRY_LIMIT, logger });
  }
  const stopWorkers = opts.workers === false ? async () => {} : await startWorkers(runtime, Array.isArray(opts.workers) ? opts.workers : undefined);

  let web: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = opts.webHandler ?? null;
  if (!web && opts.web !== false) {
    const { default: next } = await import("next");
    const app = next({ dev: opts.dev ?? false, dir, hostname: env.HOST, port });
    await app.prepare();
    web = app.getRequestHandler();
  }

  const securityHeaders = dashboardSecurityHeaders({ dev: opts.dev ?? false, https: baseUrl.startsWith("https:") });
  /** Everything Next serves: the client address it may trust, security headers, and a cap on bodies it would read whole. */
  const serveWeb = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>, req: IncomingMessage, res: ServerResponse, clientIp: string | null) => {
    if (clientIp) req.headers[CLIENT_IP_HEADER] = clientIp;
    else delete req.headers[CLIENT_IP_HEADER];
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    if (!limitRequestBody(req, res, DEFAULT_WEB_BODY_LIMIT_BYTES)) return;
    void handler(req, res);
  };
  const serveMetrics = (req: IncomingMessage, res: ServerResponse, clientIp: string | null) => {
    const access = metricsAccess(req.headers.authorization, { token: env.METRICS_TOKEN, client_ip: clientIp });
    if (access === "ok") return void sendMetrics(metrics, res).catch((err) => sendOpenAIError(res, err));
    const message = access === "forbidden" ? "Metrics are served to this host only; set METRICS_TOKEN to scrape them remotely." : "Send 'Authorization: Bearer <METRICS_TOKEN>'.";
    sendOpenAIError(res, new ServiceError(access === "forbidden" ? "forbidden" : "unauthenticated", message));
  };

  // Buyer requests in progress: shutdown lets them finish (up to a deadline) instead of cutting them off.
  let gatewayInflight = 0;
  ready = (req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/v1/") || url === "/v1") {
      gatewayInflight++;
      res.once("close", () => gatewayInflight--);
      return void gateway(req, res);
    }
    // /v1 and /agent/v1 read bodies with their own caps (server/http/read-body.ts callers).
    if (url.startsWith(AGENT_API_PREFIX + "/")) return void agentApi(req, res);
    // Before Next: the signature is checked on the raw bytes, and gateway-only processes (web off) receive webhooks too.
    if (url.split("?")[0] === STRIPE_WEBHOOK_PATH) return void stripeWebhook(req, res);
    // Before Next: CSV exports stream from a database cursor with backpressure (server/finance/exports).
    if (url.startsWith(EXPORTS_PATH_PREFIX)) return void exportsHandler(req, res);
    const clientIp = resolveClientIp(req, env.TRUSTED_PROXY_HOPS);
    if (url === "/metrics" && req.method === "GET") return serveMetrics(req, res, clientIp);
    if (url === "/healthz") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", database: database.kind }));
    if (web) return serveWeb(web, req, res, clientIp);
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
      // After the HTTP server (webhooks enqueue until then), before the database: running handlers finish.
      await runtime.jobs?.stop();
      await spotPrices.stop();
      await settlements.stop();
      await leases.stop();
      setRuntime(undefined);
      if (!opts.database) await database.close();
    },
  };
}
