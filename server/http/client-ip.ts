import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * The header server/main.ts sets on every request it hands to Next.js: the client address it resolved
 * itself. Any value a client sends under this name is overwritten, so better-auth (which only sees a
 * fetch Request, not the socket) can trust it: auth.ts reads the IP from this header alone.
 */
export const CLIENT_IP_HEADER = "x-spotlane-client-ip";

/** `::ffff:10.0.0.1` → `10.0.0.1`; `undefined` stays null. */
function normalizeAddress(address: string | undefined): string | null {
  if (!address) return null;
  const a = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return mapped[1]!;
  return isIP(a) ? a.toLowerCase() : null;
}

/**
 * The client's address. With `trusted_proxy_hops` = 0 (default) it is the socket's peer and
 * X-Forwarded-For is ignored, so a client cannot choose its own address. With N trusted proxies in front,
 * each appends the address it saw, so the client is the N-th entry from the right (entries to its left are
 * whatever the client sent and are never read).
 */
export function resolveClientIp(req: Pick<IncomingMessage, "headers" | "socket">, trusted_proxy_hops: number): string | null {
  const peer = normalizeAddress(req.socket?.remoteAddress);
  if (trusted_proxy_hops <= 0) return peer;
  const raw = req.headers["x-forwarded-for"];
  const chain = (Array.isArray(raw) ? raw.join(",") : (raw ?? "")).split(",").map((s) => s.trim()).filter(Boolean);
  if (chain.length === 0) return peer;
  // Fewer entries than trusted hops: the outermost proxy's view is the leftmost entry.
  const picked = chain[Math.max(0, chain.length - trusted_proxy_hops)];
  return normalizeAddress(picked) ?? peer;
}

export function isLoopback(ip: string | null): boolean {
  return ip !== null && (ip === "::1" || /^127\./.test(ip));
}
