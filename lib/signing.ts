import { createHmac } from "node:crypto";
import { safeEqualHex, sha256Hex } from "./secrets";

/**
 * Gateway → agent requests are signed with the machine's secret (DESIGN §5):
 * HMAC-SHA256 over timestamp, nonce, method, path and the body's hash. The agent refuses
 * stale timestamps and nonces it has already seen, so a captured request cannot be replayed.
 */
export const SIGNATURE_HEADERS = {
  timestamp: "x-spotlane-timestamp",
  nonce: "x-spotlane-nonce",
  signature: "x-spotlane-signature",
} as const;

export const MAX_SIGNATURE_SKEW_MS = 30_000;

/** Response header: ms the agent held a request before its response headers (engine time, not network). */
export const AGENT_TIME_HEADER = "x-spotlane-agent-ms";

function canonical(timestamp_ms: number, nonce: string, method: string, path: string, body: string): string {
  return `${timestamp_ms}\n${nonce}\n${method.toUpperCase()}\n${path}\n${sha256Hex(body)}`;
}

export function signRequest(secret: string, args: { timestamp_ms: number; nonce: string; method: string; path: string; body: string }): Record<string, string> {
  const signature = createHmac("sha256", secret).update(canonical(args.timestamp_ms, args.nonce, args.method, args.path, args.body)).digest("hex");
  return {
    [SIGNATURE_HEADERS.timestamp]: String(args.timestamp_ms),
    [SIGNATURE_HEADERS.nonce]: args.nonce,
    [SIGNATURE_HEADERS.signature]: signature,
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: "missing_headers" | "stale_timestamp" | "bad_signature" | "replayed_nonce" };

/** Remembers nonces for twice the allowed skew; anything older is refused by the timestamp check. */
export class NonceCache {
  private seen = new Map<string, number>();
  constructor(private ttl_ms = MAX_SIGNATURE_SKEW_MS * 2) {}
  /** Returns false when the nonce was already used. */
  use(nonce: string, now_ms: number): boolean {
    if (this.seen.size > 10_000) for (const [n, t] of this.seen) if (now_ms - t > this.ttl_ms) this.seen.delete(n);
    const prev = this.seen.get(nonce);
    if (prev !== undefined && now_ms - prev <= this.ttl_ms) return false;
    this.seen.set(nonce, now_ms);
    return true;
  }
}

export function verifyRequest(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  args: { method: string; path: string; body: string; now_ms: number; nonces: NonceCache },
): VerifyResult {
  const ts = headers[SIGNATURE_HEADERS.timestamp];
  const nonce = headers[SIGNATURE_HEADERS.nonce];
  const sig = headers[SIGNATURE_HEADERS.signature];
  if (typeof ts !== "string" || typeof nonce !== "string" || typeof sig !== "string") return { ok: false, reason: "missing_headers" };
  const timestamp_ms = Number(ts);
  if (!Number.isFinite(timestamp_ms) || Math.abs(args.now_ms - timestamp_ms) > MAX_SIGNATURE_SKEW_MS) return { ok: false, reason: "stale_timestamp" };
  const expected = createHmac("sha256", secret).update(canonical(timestamp_ms, nonce, args.method, args.path, args.body)).digest("hex");
  if (!safeEqualHex(expected, sig)) return { ok: false, reason: "bad_signature" };
  if (!args.nonces.use(nonce, args.now_ms)) return { ok: false, reason: "replayed_nonce" };
  return { ok: true };
}
