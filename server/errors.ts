/** Typed service errors. Each surface maps them once: server/http/openai-errors.ts and server/trpc/init.ts. */
export const SERVICE_ERROR_CODES = [
  "invalid_input",
  /** A body over its limit: 413, and the connection is closed (the rest of the body is never read). */
  "payload_too_large",
  "unauthenticated",
  "forbidden",
  "not_found",
  "model_not_found",
  "insufficient_balance",
  "spend_limit_exceeded",
  "rate_limited",
  "no_provider_available",
  "upstream_error",
  "conflict",
] as const;
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}
