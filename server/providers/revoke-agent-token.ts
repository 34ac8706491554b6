import { and, eq } from "drizzle-orm";
import { agentTokens } from "../../db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";

export type RevokeAgentTokenResult = { id: string; revoked_at: Date };

/** Sets revoked_at so the token can no longer register or heartbeat. Idempotent: a second call returns the first time. */
export async function revokeAgentToken(ctx: ServiceContext, input: { organizationId: string; agentTokenId: string }): Promise<RevokeAgentTokenResult> {
  const [row] = await ctx.db
    .select({ id: agentTokens.id, revokedAt: agentTokens.revokedAt })
    .from(agentTokens)
    .where(and(eq(agentTokens.id, input.agentTokenId), eq(agentTokens.organizationId, input.organizationId)))
    .limit(1);
  if (!row) throw new ServiceError("not_found", "Agent token not found.");
  if (row.revokedAt) return { id: row.id, revoked_at: row.revokedAt };
  const revoked_at = ctx.now();
  await ctx.db.update(agentTokens).set({ revokedAt: revoked_at }).where(eq(agentTokens.id, row.id));
  return { id: row.id, revoked_at };
}
