import { signRequest } from "../../lib/signing";

export type DispatchTarget = { endpointUrl: string; machineSecret: string };

/**
 * The one way the marketplace calls an agent: a signed POST. Buyer traffic and canaries both use
 * it, with the same headers and body shape, so an agent cannot tell them apart.
 */
export async function dispatchToAgent(
  target: DispatchTarget,
  input: { path: string; body: string; nonce: string; signal: AbortSignal; headers_timeout_ms: number },
): Promise<Response> {
  const signature = signRequest(target.machineSecret, { timestamp_ms: Date.now(), nonce: input.nonce, method: "POST", path: input.path, body: input.body });
  return fetch(new URL(input.path, target.endpointUrl), {
    method: "POST",
    headers: { "content-type": "application/json", ...signature },
    body: input.body,
    signal: AbortSignal.any([input.signal, AbortSignal.timeout(input.headers_timeout_ms)]),
  });
}
