import { createHash, timingSafeEqual } from "node:crypto";
import { isLoopback } from "./client-ip";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Who may scrape `GET /metrics` (its labels name machines and models): with METRICS_TOKEN set, whoever sends
 * `Authorization: Bearer <token>`; unset, only clients on this host (loopback, after trusted-proxy
 * resolution), so a default deployment does not publish them.
 */
export function metricsAccess(authorization: string | undefined, opts: { token: string | undefined; client_ip: string | null }): "ok" | "unauthorized" | "forbidden" {
  if (opts.token === undefined) return isLoopback(opts.client_ip) ? "ok" : "forbidden";
  const sent = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (!sent) return "unauthorized";
  // Fixed-length digests: the comparison takes the same time whatever was sent.
  return timingSafeEqual(digest(sent), digest(opts.token)) ? "ok" : "unauthorized";
}
