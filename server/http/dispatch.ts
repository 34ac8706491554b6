import { Agent, buildConnector, errors, request } from "undici";
import { signRequest } from "../../lib/signing";
import { EndpointNotAllowedError, PUBLIC_ENDPOINTS_ONLY, type EndpointPolicy } from "./endpoint-policy";

export type DispatchTarget = { endpointUrl: string; machineSecret: string };

/** The agent's answer: status, then the body as bytes, text or JSON (read once). */
export type UpstreamResponse = {
  status: number;
  ok: boolean;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { cancel(): Promise<void> };
  text(): Promise<string>;
  json(): Promise<unknown>;
};

/**
 * Why a dispatch failed before any response, as the provider may see it. Never the OS error text: that
 * names addresses and ports and tells refused from filtered, which would make canaries a port scanner.
 */
export type DispatchFailure = "endpoint_not_allowed" | "timeout" | "unreachable";

/** A dispatch that got no response; `message` is the generic reason, the original error is `cause` (for logs). */
export class DispatchError extends Error {
  constructor(
    readonly reason: DispatchFailure,
    options: { cause: unknown },
  ) {
    super(reason, options);
    this.name = "DispatchError";
  }
}

/** undici's default connect timeout, applied to DNS resolution and to each address tried. */
const CONNECT_TIMEOUT_MS = 10_000;

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "ETIMEDOUT"]);

/** The generic reason for any error a dispatch can throw (a DispatchError, an abort, or anything else). */
export function dispatchFailure(err: unknown): DispatchFailure {
  for (let e = err as { code?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof DispatchError) return e.reason;
    if (e instanceof EndpointNotAllowedError) return "endpoint_not_allowed";
    if (e.name === "TimeoutError" || (typeof e.code === "string" && TIMEOUT_CODES.has(e.code))) return "timeout";
  }
  return "unreachable";
}

/**
 * Connects only where the policy allows, checked on every new connection after DNS resolution: the
 * name is resolved here, filtered, and the socket opened to an allowed IP, so a name that resolved to
 * a public address at registration and to 127.0.0.1 now (DNS rebinding) is still refused. TLS keeps
 * verifying the original name (undici takes SNI and the certificate check from `host`).
 */
function policyConnector(policy: EndpointPolicy): buildConnector.connector {
  const connect = buildConnector({ timeout: CONNECT_TIMEOUT_MS });
  return (options, callback) => {
    const port = Number(options.port) || (options.protocol === "https:" ? 443 : 80);
    // Resolution is bounded like the connection itself (net.connect's own lookup used to be inside undici's connect timeout).
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new errors.ConnectTimeoutError("DNS lookup timed out")), CONNECT_TIMEOUT_MS);
    });
    Promise.race([policy.resolve(options.hostname, port), timeout])
      .finally(() => clearTimeout(timer))
      .then(
        (addresses) => {
          // Each allowed address in the resolver's order until one connects (a dual-stack name whose IPv6 is unreachable still works).
          const attempt = (i: number) =>
            connect({ ...options, hostname: addresses[i]! }, (...args) => {
              if (args[0] && i + 1 < addresses.length) return attempt(i + 1);
              callback(...args);
            });
          attempt(0);
        },
        (err: Error) => callback(err, null),
      );
  };
}

/**
 * Keep-alive connections to agents, shared by buyer traffic and canaries: one pool per endpoint policy
 * (one per server process). undici's `request` is the same client `fetch` wraps, without the WHATWG
 * stream layers (about a fifth of the gateway's CPU). No redirect interceptor: a 3xx from an agent is
 * its answer, never followed (a redirect would be a way around the policy).
 */
const pools = new WeakMap<EndpointPolicy, Agent>();
function poolFor(policy: EndpointPolicy): Agent {
  let pool = pools.get(policy);
  if (!pool) {
    pool = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000, connections: 1024, connect: policyConnector(policy) });
    pools.set(policy, pool);
  }
  return pool;
}

/**
 * The one way the marketplace calls an agent: a signed POST. Buyer traffic and canaries both use
 * it, with the same headers and body shape, so an agent cannot tell them apart. Only endpoints the
 * policy allows are called (default: public addresses only). A failure before any response throws a
 * DispatchError with a generic reason, except when `signal` aborted (then its reason, as before).
 */
export async function dispatchToAgent(
  target: DispatchTarget,
  input: { path: string; body: string; nonce: string; signal: AbortSignal; headers_timeout_ms: number; policy?: EndpointPolicy },
): Promise<UpstreamResponse> {
  const policy = input.policy ?? PUBLIC_ENDPOINTS_ONLY;
  let res: Awaited<ReturnType<typeof request>>;
  try {
    policy.parse(target.endpointUrl);
    const signature = signRequest(target.machineSecret, { timestamp_ms: Date.now(), nonce: input.nonce, method: "POST", path: input.path, body: input.body });
    res = await request(new URL(input.path, target.endpointUrl), {
      method: "POST",
      headers: { "content-type": "application/json", ...signature },
      body: input.body,
      signal: input.signal,
      headersTimeout: input.headers_timeout_ms,
      dispatcher: poolFor(policy),
    });
  } catch (err) {
    if (input.signal.aborted) throw err;
    throw new DispatchError(dispatchFailure(err), { cause: err });
  }
  const body = res.body;
  return {
    status: res.statusCode,
    ok: res.statusCode >= 200 && res.statusCode < 300,
    headers: res.headers,
    // Destroying an unfinished undici body emits 'error' (AbortError): with no listener that is an uncaught
    // exception, so a provider's refused or cut-short answer could take the whole process down.
    body: Object.assign(body as AsyncIterable<Uint8Array>, { cancel: async () => void body.on("error", () => {}).destroy() }),
    text: () => body.text(),
    json: () => body.json(),
  };
}
