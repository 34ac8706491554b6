import { desc, eq } from "drizzle-orm";
import { agentTokens } from "../../db/schema";
import type { ServiceContext } from "../context";

export type AgentTokenSummary = { id: string; name: string; token_prefix: string; created_at: Date; revoked_at: Date | null; status: "active" | "revoked" };

/** An organization's agent tokens, newest first. Never includes hashes or tokens. */
export async function listAgentTokens(ctx: ServiceContext, input: { organizationId: string }): Promise<AgentTokenSummary[]> {
  const rows = await ctx.db
    .select({ id: agentTokens.id, name: agentTokens.name, tokenPrefix: agentTokens.tokenPrefix, createdAt: agentTokens.createdAt, revokedAt: agentTokens.revokedAt })
    .from(agentTokens)
    .where(eq(agentTokens.organizationId, input.organizationId))
    .orderBy(desc(agentTokens.createdAt), desc(agentTokens.id));
  return rows.map((r) => ({ id: r.id, name: r.name, token_prefix: r.tokenPrefix, created_at: r.createdAt, revoked_at: r.revokedAt, status: r.revokedAt ? "revoked" : "active" }));
}
