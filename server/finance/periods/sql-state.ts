/**
 * The SQLSTATE of a database error, looking through the wrappers drizzle and the drivers add (`cause` chains),
 * e.g. "23505" (unique violation) or "SL001" (a closed period refused the change, migration 0009).
 */
export function sqlState(err: unknown): string | null {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && typeof e === "object" && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return null;
}

/** SQLSTATE of migration 0009's refusals: a change dated inside a closed period, or to a close itself. */
export const PERIOD_CLOSED_SQLSTATE = "SL001";
export const UNIQUE_VIOLATION_SQLSTATE = "23505";
