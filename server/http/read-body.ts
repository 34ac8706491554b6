import type { IncomingMessage } from "node:http";
import { ServiceError } from "../errors";

export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Deepest nesting of arrays and objects a body may have. OpenAI bodies (tool schemas included) stay far
 * below it; pathological nesting would otherwise overflow the stack of whatever walks it later
 * (JSON.stringify when forwarding, zod, pino), after funds are held.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests arrays/objects deeper than `limit`. Iterative: deep input cannot overflow it. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

export async function readBody(req: IncomingMessage, limit_bytes = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit_bytes) throw new ServiceError("payload_too_large", `Request body exceeds ${limit_bytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** JSON body validated by a zod schema; failures become 400s naming the offending parameter. */
export function parseJsonBody<T>(raw: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ServiceError("invalid_input", "We could not parse the JSON body of your request. Send valid JSON with 'Content-Type: application/json'.");
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) throw new ServiceError("invalid_input", `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join(".");
    throw new ServiceError("invalid_input", param ? `Invalid '${param}': ${issue.message}` : issue.message, { param: param || null });
  }
  return parsed.data;
}
