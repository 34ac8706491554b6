import { z } from "zod";

/** The only module that reads process.env (DESIGN §7). Everything else receives `Env`. */
const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  /** Unset → embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default(".data"),
  /** Public base URL; defaults to http://HOST:PORT. */
  PUBLIC_URL: z.string().url().optional(),
  /** Auth cookie signing secret; generated and kept in DATA_DIR when unset. */
  BETTER_AUTH_SECRET: z.string().min(32).optional(),
  PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(1000),
  /** Start the demo provider agent and seed the demo buyer (embedded default). */
  SPOTLANE_DEMO: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /** Local test credit given to each new organization, in USD. */
  TEST_CREDIT_USD: z.string().regex(/^\d+(\.\d{1,9})?$/).default("5"),
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
