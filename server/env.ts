import { z } from "zod";

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
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "silent"]).default("info"),
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
