import { z } from "zod";
import { parseAllowList } from "./http/endpoint-policy";

/** The only module that reads process.env (DESIGN §7). Everything else receives `Env`. */
const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  /** Unset → embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default(".data"),
  /** Names this gateway's settlement write-ahead log; a restarted instance must keep its name to replay it. */
  INSTANCE_ID: z.string().regex(/^[a-zA-Z0-9_-]+$/).default("main"),
  /** How often settled requests are written to the ledger in one batch. */
  SETTLEMENT_FLUSH_INTERVAL_MS: z.coerce.number().int().min(1).max(60_000).default(25),
  /** Public base URL; defaults to http://HOST:PORT. */
  PUBLIC_URL: z.string().url().optional(),
  /** Auth cookie signing secret; generated and kept in DATA_DIR when unset. */
  BETTER_AUTH_SECRET: z.string().min(32).optional(),
  PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(1000),
  /** Start the demo provider agent and seed the demo buyer (embedded default). */
  SPOTLANE_DEMO: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /** Local test credit given to each new organization, in USD. */
  TEST_CREDIT_USD: z.string().regex(/^\d+(\.\d{1,9})?$/).default("5"),
  /** Canary verification of provider offers (server/providers/verification/README.md). */
  VERIFICATION_ENABLED: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /** Seconds between canaries to a verified offer (each gets ±10% jitter). */
  CANARY_INTERVAL_S: z.coerce.number().positive().default(60),
  /** Gap between the canaries of a burst (new or re-registered offers, confirmations after a failure). */
  CANARY_BURST_INTERVAL_MS: z.coerce.number().int().positive().default(2000),
  /** How often the verification worker looks for offers that are due a canary. */
  CANARY_TICK_MS: z.coerce.number().int().positive().default(1000),
  /** Reverse proxies in front of this server that append to X-Forwarded-For; 0 = use the socket's address (server/http/client-ip.ts). */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** When set, `GET /metrics` needs `Authorization: Bearer <token>`; unset, only loopback clients may scrape. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** At most this many new organizations per hour (all IPs together) get the local test credit. */
  TEST_CREDIT_GRANTS_PER_HOUR: z.coerce.number().int().min(0).default(100),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "silent"]).default("info"),
  /** Non-public provider endpoints the marketplace may call: comma-separated CIDRs, IPs, IP:port or host[:port] (server/http/endpoint-policy.ts). Unset → public addresses only. */
  PROVIDER_ALLOWED_NETWORKS: z
    .string()
    .default("")
    .superRefine((v, ctx) => {
      try {
        parseAllowList(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    })
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean)),
  /** Comma-separated emails of the platform's operators: they see the Operations page (dead letters, replay). */
  OPERATOR_EMAILS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((e) => e.trim().toLowerCase()).filter(Boolean)),
  /** Stripe (STRIPE.md; README "Payments"). Unset → the embedded default's local test balance, never a charge. */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "expected a Stripe secret key (sk_test_…, sk_live_… or a restricted rk_…)")
    .optional(),
  /** The webhook endpoint's signing secret (whsec_…); required with STRIPE_SECRET_KEY. */
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9_]+$/, "expected a webhook signing secret (whsec_…)").optional(),
  /** Point the SDK at another host, e.g. the in-repo fake (`npm run stripe:fake`): http://127.0.0.1:12111. */
  STRIPE_API_BASE: z.string().url().optional(),
  /** The Billing Meter's `event_name` invoiced organizations' usage is reported under (value: nano-USD). */
  STRIPE_METER_EVENT_NAME: z.string().regex(/^[a-z0-9_]{1,100}$/).default("spotlane_usage_nanos"),
  /** The metered Price (attached to that meter) an invoiced organization's subscription uses. */
  STRIPE_METERED_PRICE_ID: z.string().regex(/^price_[A-Za-z0-9_]+$/).optional(),
  /** Bounds of one top-up, in USD (Stripe's own minimum charge is $0.50). */
  TOP_UP_MIN_USD: z.string().regex(/^\d+(\.\d{1,2})?$/).default("5"),
  TOP_UP_MAX_USD: z.string().regex(/^\d+(\.\d{1,2})?$/).default("10000"),
  /**
   * Durable job queue (pg-boss, server/jobs/queue.ts). New jobs wake workers at once (LISTEN/NOTIFY); this poll
   * is the backstop that finds retries whose backoff has passed (pg-boss's floor is 500 ms).
   */
  JOB_POLL_INTERVAL_MS: z.coerce.number().int().min(500).max(60_000).default(5000),
  /** Base of the exponential retry backoff (base × 2^retry, jittered, capped at an hour); 0 = retry at once (tests). */
  JOB_RETRY_DELAY_S: z.coerce.number().int().min(0).max(3600).default(2),
  /** Retries after the first attempt; then a Stripe event is `failed` for an operator to retry. */
  JOB_RETRY_LIMIT: z.coerce.number().int().min(0).max(100).default(40),
  /** How often stored Stripe events that never reached the queue (a crash between store and enqueue) are re-enqueued. */
  STRIPE_EVENT_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** How often the auto top-up worker looks for organizations whose credit fell below their threshold. */
  AUTO_TOP_UP_CHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(5000),
  /**
   * Connect webhook endpoint's signing secret, when connected accounts' events (account.updated, their payouts)
   * go to a separate endpoint as Stripe usually sets up; both secrets are accepted at /api/stripe/webhook.
   */
  STRIPE_CONNECT_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9_]+$/, "expected a webhook signing secret (whsec_…)").optional(),
  /** Payout policy (README "Payouts"): earnings become payable this many days after they are earned (refunds and disputes land first). */
  PAYOUT_HOLD_DAYS: z.coerce.number().min(0).max(120).default(7),
  /** Nothing below this is paid out (whole cents, USD). */
  PAYOUT_MINIMUM_USD: z.string().regex(/^\d+(\.\d{1,2})?$/).default("10"),
  /** The scheduled payout run happens this long after the previous run (weekly by default). */
  PAYOUT_RUN_INTERVAL_HOURS: z.coerce.number().min(1 / 60).max(24 * 31).default(168),
  /** A provider may ask for an early payout at most once in this many hours. */
  PAYOUT_EARLY_INTERVAL_HOURS: z.coerce.number().min(0).max(24 * 31).default(24),
  /** How often the payout worker checks whether a run is due and resumes unfinished payouts. */
  PAYOUT_CHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** Finance (README "Finance"): the scheduled reconciliation with Stripe runs this long after the previous one (daily by default). */
  RECONCILIATION_INTERVAL_HOURS: z.coerce.number().min(1 / 60).max(24 * 31).default(24),
  /** How often the reconciliation worker checks whether a run is due. */
  RECONCILIATION_CHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** CSV exports streamed at once by one process; more get 429 (each holds a database snapshot, and on PostgreSQL a connection). */
  EXPORT_MAX_CONCURRENT: z.coerce.number().int().min(1).max(32).default(2),
}).superRefine((env, ctx) => {
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) ctx.addIssue({ code: "custom", path: ["STRIPE_WEBHOOK_SECRET"], message: "required when STRIPE_SECRET_KEY is set (the webhook endpoint's signing secret)" });
  if (Number(env.PAYOUT_MINIMUM_USD) < 0.01) ctx.addIssue({ code: "custom", path: ["PAYOUT_MINIMUM_USD"], message: "must be at least 0.01 (Stripe transfers whole cents)" });
  if (Number(env.TOP_UP_MIN_USD) < 0.5 || Number(env.TOP_UP_MIN_USD) > Number(env.TOP_UP_MAX_USD)) ctx.addIssue({ code: "custom", path: ["TOP_UP_MIN_USD"], message: "must be at least 0.50 and at most TOP_UP_MAX_USD" });
});

export type Env = z.infer<typeof envSchema>;

export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${lines}`);
  }
  return parsed.data;
}
