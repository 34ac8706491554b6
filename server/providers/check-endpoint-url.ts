import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { EndpointNotAllowedError, PUBLIC_ENDPOINTS_ONLY } from "../http/endpoint-policy";

/**
 * Refuses, at registration, an `endpoint_url` the marketplace would not call (server/http/endpoint-policy.ts):
 * a 400 the agent shows and stops on, rather than an offer that silently never verifies. The same policy
 * is enforced again on every connection.
 */
export async function checkEndpointUrl(ctx: ServiceContext, endpoint_url: string): Promise<void> {
  try {
    await (ctx.endpoint_policy ?? PUBLIC_ENDPOINTS_ONLY).check(endpoint_url);
  } catch (err) {
    if (err instanceof EndpointNotAllowedError) throw new ServiceError("invalid_input", err.message, { param: "endpoint_url", code: "endpoint_not_allowed" });
    throw err;
  }
}
