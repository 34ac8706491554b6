import { agentTokens } from "../../db/schema";
import { newId } from "../../lib/ids";
import { lookupPrefix, newSecret, sha256Hex } from "../../lib/secrets";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";

export type CreateAgentTokenResult = { id: string; name: string; token_prefix: string; created_at: Date; token: string };

/** Creates the credential `spotlane-agent` registers machines with. The plaintext `token` exists only in this result. */
export async function createAgentToken(ctx: ServiceContext, input: { organizationId: string; name: string }): Promise<CreateAgentTokenResult> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw new ServiceError("invalid_input", "Token name must be 1–100 characters.");
  const token = newSecret("agentToken");
  const row = { id: newId("agentToken"), organizationId: input.organizationId, name, tokenPrefix: lookupPrefix(token), tokenHash: sha256Hex(token), createdAt: ctx.now() };
  await ctx.db.insert(agentTokens).values(row);
  return { id: row.id, name, token_prefix: row.tokenPrefix, created_at: row.createdAt, token };
}
