import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Which provider endpoints the marketplace will call (issue #8, SSRF). A provider chooses its
 * `endpoint_url`, and the marketplace then sends it signed requests and reports how they went: without
 * this, a provider could point it at the marketplace's own network (databases, cloud metadata, someone
 * else's unauthenticated engine) and read the answers back as canary results.
 *
 * By default only http(s) to PUBLIC unicast addresses is allowed. Operators open private networks
 * explicitly (PROVIDER_ALLOWED_NETWORKS: tests, private deployments), and `allowEndpoint` admits one
 * exact host:port (the embedded demo's own agent) without opening loopback to every provider.
 *
 * The same policy is applied at registration (early, clear refusal) and on every connection after DNS
 * resolution (server/http/dispatch.ts), so a name that resolves differently later cannot get around it.
 */

/** A refused endpoint. The message is for the provider who registered it; it names no internal detail. */
export class EndpointNotAllowedError extends Error {
  readonly code = "ENDPOINT_NOT_ALLOWED";
  constructor(message: string) {
    super(message);
    this.name = "EndpointNotAllowedError";
  }
}

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/** One PROVIDER_ALLOWED_NETWORKS entry: a network (CIDR or bare IP, any port), an IP:port, or a hostname (any port or one). */
export type AllowEntry =
  | { kind: "network"; range: [Ip, number] }
  | { kind: "address"; address: string; port: number }
  | { kind: "host"; hostname: string; port: number | null };

/** All of a hostname's addresses, in the resolver's order. */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

const defaultLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A resolved endpoint the marketplace may connect to. */
export type Endpoint = { hostname: string; port: number; protocol: "http:" | "https:" };

/**
 * The address an IP really reaches for classification: IPv4-mapped/compatible forms become IPv4
 * (ipaddr.process), and a NAT64 address (64:ff9b::/96) is judged by the IPv4 address it embeds.
 */
function effectiveAddress(address: string): Ip {
  const ip = ipaddr.process(address);
  if (ip.kind() === "ipv6" && ip.range() === "rfc6052") return ipaddr.fromByteArray(ip.toByteArray().slice(12));
  return ip;
}

/** Canonical text of an address, so `::1`, `0:0:0:0:0:0:0:1` and `::ffff:127.0.0.1`-style forms compare equal. */
function canonicalAddress(address: string): string {
  const ip = effectiveAddress(address);
  return ip.kind() === "ipv6" ? ip.toNormalizedString() : ip.toString();
}

/**
 * ipaddr.js's range name for an address: `unicast` is the public internet; everything else (loopback,
 * private, linkLocal, carrierGradeNat, uniqueLocal, multicast, unspecified, broadcast, reserved,
 * 6to4, teredo, …) is not. `address` must be a strict IP literal (net.isIP).
 */
export function addressRange(address: string): string {
  return effectiveAddress(address).range();
}

export function isPublicAddress(address: string): boolean {
  return isIP(address) !== 0 && addressRange(address) === "unicast";
}

const RANGE_LABEL: Record<string, string> = {
  loopback: "a loopback",
  private: "a private network",
  uniqueLocal: "a unique local (private network)",
  linkLocal: "a link-local",
  carrierGradeNat: "a carrier-grade NAT",
  unspecified: "an unspecified",
  broadcast: "a broadcast",
  multicast: "a multicast",
};

/**
 * Parses one allow-list entry: `10.0.0.0/8`, `fd00::/8`, `192.168.1.20` (that address, any port),
 * `127.0.0.1:8080`, `[::1]:8080`, `agent.internal` or `agent.internal:8080`. Throws with a message
 * naming the entry.
 */
export function parseAllowEntry(text: string): AllowEntry {
  const entry = text.trim();
  const bad = (why: string) => new Error(`'${entry}' is not a network (CIDR), address or host:port (${why})`);
  if (entry.includes("/")) {
    const [ip, bits] = entry.split("/");
    if (!ip || isIP(ip) === 0 || !bits || !/^\d{1,3}$/.test(bits)) throw bad("expected a CIDR like 10.0.0.0/8 or fd00::/8");
    if (!ipaddr.isValidCIDR(entry)) throw bad("prefix length out of range");
    return { kind: "network", range: ipaddr.parseCIDR(entry) };
  }
  if (isIP(entry) !== 0) {
    const ip = ipaddr.parse(entry);
    return { kind: "network", range: [ip, ip.kind() === "ipv6" ? 128 : 32] };
  }
  const portMatch = /:(\d{1,5})$/.exec(entry);
  const port = portMatch ? Number(portMatch[1]) : null;
  if (port !== null && (port < 1 || port > 65535)) throw bad("port out of range");
  let url: URL;
  try {
    url = new URL(`http://${entry}`);
  } catch {
    throw bad("not a valid host");
  }
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) throw bad("not a valid host");
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(host) !== 0) {
    // WHATWG parsing turns odd IPv4 forms into dotted quads; an address entry needs its port.
    if (port === null) return { kind: "network", range: [ipaddr.parse(host), isIP(host) === 6 ? 128 : 32] };
    return { kind: "address", address: canonicalAddress(host), port };
  }
  return { kind: "host", hostname: host, port };
}

/** Comma-separated PROVIDER_ALLOWED_NETWORKS; empty entries are ignored. */
export function parseAllowList(value: string | readonly string[]): AllowEntry[] {
  const items = typeof value === "string" ? value.split(",") : value;
  return items.map((s) => s.trim()).filter((s) => s.length > 0).map(parseAllowEntry);
}

const NOT_ALLOWED = "The marketplace only calls agents at public addresses;";
const HOW_TO_FIX = "Give the agent a public --public-url (operators of private deployments can allow networks with PROVIDER_ALLOWED_NETWORKS).";

export class EndpointPolicy {
  private readonly entries: AllowEntry[];
  private readonly lookup: LookupAll;

  constructor(opts: { allowed?: string | readonly string[]; lookup?: LookupAll } = {}) {
    this.entries = parseAllowList(opts.allowed ?? []);
    this.lookup = opts.lookup ?? defaultLookup;
  }

  /**
   * Admits exactly one host:port more, whatever its address (the embedded demo's agent on loopback).
   * Anything else at that address stays refused.
   */
  allowEndpoint(host: string, port: number): void {
    const bare = host.replace(/^\[(.*)\]$/, "$1");
    this.entries.push(isIP(bare) !== 0 ? { kind: "address", address: canonicalAddress(bare), port } : { kind: "host", hostname: bare.toLowerCase(), port });
  }

  /** Why a connection to this IP and port is refused, or null when it is allowed. */
  addressRefusal(address: string, port: number): string | null {
    if (isIP(address) === 0) return "not an IP address";
    const ip = effectiveAddress(address);
    const canonical = canonicalAddress(address);
    for (const e of this.entries) {
      if (e.kind === "address" && e.port === port && e.address === canonical) return null;
      if (e.kind === "network" && e.range[0].kind() === ip.kind() && ip.match(e.range)) return null;
    }
    const range = ip.range();
    if (range === "unicast") return null;
    return `${RANGE_LABEL[range] ?? "a reserved"} address`;
  }

  /** A hostname the operator allowed by name: it may resolve to any address. */
  private hostAllowed(hostname: string, port: number): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, "");
    return this.entries.some((e) => e.kind === "host" && e.hostname.replace(/\.$/, "") === name && (e.port === null || e.port === port));
  }

  /**
   * The static part of the check, no DNS: http(s), no credentials, and an IP literal (after WHATWG
   * normalization: `http://0:1`, `http://2130706433`, `http://0x7f.1` are all IPv4 literals) must be allowed.
   */
  parse(url: string): Endpoint {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new EndpointNotAllowedError("endpoint_url is not a valid URL.");
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new EndpointNotAllowedError(`endpoint_url must be an http:// or https:// URL, not ${u.protocol}//.`);
    if (u.username || u.password) throw new EndpointNotAllowedError("endpoint_url must not contain credentials (user:password@).");
    const hostname = u.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
    if (isIP(hostname) !== 0) this.refuseAddress(url, hostname, port);
    return { hostname, port, protocol: u.protocol };
  }

  /**
   * The addresses a connection to hostname:port may use, in the resolver's order: an allowed IP
   * literal itself, every address of a hostname the operator allowed by name, otherwise only the
   * allowed ones among those it resolves to. Throws EndpointNotAllowedError when none is allowed, and
   * the resolver's own error when the name does not resolve.
   */
  async resolve(hostname: string, port: number): Promise<string[]> {
    if (isIP(hostname) !== 0) {
      this.refuseAddress(hostname, hostname, port);
      return [hostname];
    }
    const resolved = (await this.lookup(hostname)).map((r) => r.address);
    if (this.hostAllowed(hostname, port)) return resolved;
    const allowed = resolved.filter((a) => this.addressRefusal(a, port) === null);
    if (allowed.length === 0) {
      const why = resolved.length > 0 ? `${resolved[0]} is ${this.addressRefusal(resolved[0]!, port)}` : "it resolves to no address";
      throw new EndpointNotAllowedError(`${NOT_ALLOWED} ${hostname} is refused: ${why}. ${HOW_TO_FIX}`);
    }
    return allowed;
  }

  /**
   * The registration check: URL form, then DNS. A name that does not exist is refused; a resolver
   * hiccup is not (the connection-time check still applies to whatever the name resolves to then).
   */
  async check(url: string): Promise<Endpoint> {
    const endpoint = this.parse(url);
    try {
      await this.resolve(endpoint.hostname, endpoint.port);
    } catch (err) {
      if (err instanceof EndpointNotAllowedError) throw err;
      const code = (err as { code?: string }).code;
      if (code === "ENOTFOUND" || code === "ENODATA") throw new EndpointNotAllowedError(`endpoint_url's host ${endpoint.hostname} does not resolve.`);
    }
    return endpoint;
  }

  private refuseAddress(shown: string, address: string, port: number): void {
    const why = this.addressRefusal(address, port);
    if (why !== null) {
      throw new EndpointNotAllowedError(
        `${NOT_ALLOWED} ${shown} is refused: it is ${why}. ${HOW_TO_FIX}`,
      );
    }
  }
}

/** The default when no policy is configured: public addresses only. */
export const PUBLIC_ENDPOINTS_ONLY = new EndpointPolicy();
