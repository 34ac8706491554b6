import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from "pino";
import type { Env } from "./env";

/**
 * Structured JSON logs (one object per line on stdout), level from `LOG_LEVEL`. Nothing else in
 * server/ writes to the console: modules receive a `Logger` (through deps) and derive child loggers
 * that carry context such as `req_id`, so one request's lines can be found together.
 */
export type Logger = PinoLogger;

/** Never written out, whatever a caller logs: credentials and machine secrets. */
const REDACT = ["secret", "*.secret", "machineSecret", "*.machineSecret", "apiKey", "*.apiKey", "authorization", "*.authorization", "headers.authorization", "*.headers.authorization"];

export function createLogger(opts: { level: LevelWithSilent; destination?: DestinationStream; bindings?: Record<string, unknown> }): Logger {
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid, ...(opts.bindings ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names ("error") rather than numbers (50): log pipelines and people both read them.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination,
  );
}

/** The process logger from validated env. Silent under test runners (NODE_ENV=test). */
export function loggerFromEnv(env: Pick<Env, "LOG_LEVEL" | "NODE_ENV">, destination?: DestinationStream): Logger {
  return createLogger({ level: env.NODE_ENV === "test" ? "silent" : env.LOG_LEVEL, destination, bindings: { service: "spotlane" } });
}

let fallback: Logger | undefined;
/**
 * For call sites built without a logger (older callers, unit tests): errors only, like the
 * `console.error` this replaced, so unexpected failures are never swallowed silently.
 */
export function fallbackLogger(): Logger {
  fallback ??= createLogger({ level: "error", destination: pino.destination({ fd: 2, sync: true }), bindings: { service: "spotlane" } });
  return fallback;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A caller-supplied `x-request-id` when it is sane, otherwise a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

/** A child logger for one HTTP request: every line it writes carries `req_id`, method and path. */
export function requestLogger(parent: Logger, req: IncomingMessage, req_id: string = requestIdOf(req)): Logger {
  return parent.child({ req_id, method: req.method, path: (req.url ?? "/").split("?")[0] });
}
