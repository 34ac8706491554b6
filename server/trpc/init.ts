import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { loadViewer } from "../auth/load-viewer";
import { hasRole, type Role } from "../auth/roles";
import { ServiceError, type ServiceErrorCode } from "../errors";
import { getRuntime } from "../runtime";

/** Built per HTTP request from the better-auth session cookie. */
export async function createTRPCContext(opts: { headers: Headers }) {
  const runtime = getRuntime();
  const viewer = await loadViewer(runtime, opts.headers);
  return {
    runtime,
    session: viewer?.session ?? null,
    user: viewer?.user ?? null,
    organizationId: viewer?.organization?.id ?? null,
    memberRole: viewer?.organization?.memberRole ?? null,
  };
}
export type TRPCContext = Awaited<ReturnType<typeof createTRPCContext>>;

/** The one ServiceError → tRPC mapping (the gateway has its own to OpenAI JSON). Exhaustive by type. */
const TRPC_CODE_BY_SERVICE_CODE: Record<ServiceErrorCode, TRPC_ERROR_CODE_KEY> = {
  invalid_input: "BAD_REQUEST",
  payload_too_large: "PAYLOAD_TOO_LARGE",
  unauthenticated: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  model_not_found: "NOT_FOUND",
  insufficient_balance: "PAYMENT_REQUIRED",
  spend_limit_exceeded: "PAYMENT_REQUIRED",
  rate_limited: "TOO_MANY_REQUESTS",
  no_provider_available: "SERVICE_UNAVAILABLE",
  upstream_error: "BAD_GATEWAY",
  conflict: "CONFLICT",
};

export const INTERNAL_ERROR_MESSAGE = "Something went wrong on our side. It has been logged; please try again.";

const t = initTRPC.context<TRPCContext>().create({
  // superjson carries bigint nanos and Dates to the browser intact.
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    // An unexpected failure's message is whatever threw it (a database error quotes the SQL and its
    // parameters): never sent. The route handler's onError logs the original (app/api/trpc).
    if (error.code === "INTERNAL_SERVER_ERROR" && !(cause instanceof ServiceError)) {
      const { stack: _stack, ...data } = shape.data;
      return { ...shape, message: INTERNAL_ERROR_MESSAGE, data: { ...data, service_code: null, zod_issues: null } };
    }
    const zodIssues = cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })) : null;
    return {
      ...shape,
      // Zod's own message is a JSON dump; the dashboard shows `message` to people, so make it a sentence.
      message: zodIssues ? zodIssues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ") : shape.message,
      data: { ...shape.data, service_code: cause instanceof ServiceError ? cause.code : null, zod_issues: zodIssues },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns a ServiceError thrown anywhere below into its TRPCError, keeping the original as `cause`. */
const mapServiceErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ServiceError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE_BY_SERVICE_CODE[cause.code], message: cause.message, cause });
  }
  return result;
});

/** NUL and other control characters (tab, newline, carriage return allowed); PostgreSQL text cannot hold NUL at all. */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const MAX_INPUT_DEPTH = 32;

/** The path of the first string (value or key) in `value` holding a control character, or a too-deep path; null if clean. */
export function findUnsafeString(value: unknown, path: string[] = []): { path: string; reason: "control_character" | "too_deep" } | null {
  if (typeof value === "string") return CONTROL_CHARACTER.test(value) ? { path: path.join("."), reason: "control_character" } : null;
  if (value === null || typeof value !== "object") return null;
  if (path.length >= MAX_INPUT_DEPTH) return { path: path.join("."), reason: "too_deep" };
  if (value instanceof Date) return null;
  for (const [key, child] of value instanceof Map ? value.entries() : Array.isArray(value) || value instanceof Set ? [...value].entries() : Object.entries(value)) {
    if (typeof key === "string" && CONTROL_CHARACTER.test(key)) return { path: [...path, key.replace(CONTROL_CHARACTER, "?")].join("."), reason: "control_character" };
    const found = findUnsafeString(child, [...path, String(key)]);
    if (found) return found;
  }
  return null;
}

/**
 * Every procedure's raw input is checked before its own schema runs: a NUL in any string would otherwise
 * reach the database and fail there (a 500), so it is refused here for all procedures at once.
 */
const rejectUnsafeInput = t.middleware(async ({ getRawInput, next }) => {
  const found = findUnsafeString(await getRawInput());
  if (found) {
    const where = found.path ? `'${found.path}'` : "The input";
    throw new TRPCError({ code: "BAD_REQUEST", message: found.reason === "too_deep" ? `${where} is nested too deeply.` : `${where} contains a control character (such as NUL); remove it.` });
  }
  return next();
});

export const publicProcedure = t.procedure.use(mapServiceErrors).use(rejectUnsafeInput);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session || !ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
  return next({ ctx: { ...ctx, session: ctx.session, user: ctx.user } });
});

export const orgProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!ctx.organizationId || ctx.memberRole === null) {
    throw new TRPCError({ code: "FORBIDDEN", message: "No active organization membership." });
  }
  return next({ ctx: { ...ctx, organizationId: ctx.organizationId, memberRole: ctx.memberRole } });
});

function roleProcedure(role: Role) {
  return orgProcedure.use(({ ctx, next }) => {
    if (!hasRole(ctx.memberRole, role)) throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${role} role in the organization.` });
    return next();
  });
}

export const buyerProcedure = roleProcedure("buyer");
export const providerProcedure = roleProcedure("provider");
export const financeProcedure = roleProcedure("finance");
export const adminProcedure = roleProcedure("admin");
