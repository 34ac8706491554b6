import { and, eq } from "drizzle-orm";
import { agentTokens, machines } from "../../db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";

export type RevokeAgentTokenResult = { id: string; revoked_at: Date };

/**
 * Sets revoked_at so the token can no longer register or heartbeat, and in the same transaction takes
 * the machines it registered offline: a revoked (perhaps leaked) token must not keep selling capacity
 * until their heartbeats go stale. The gateway's offer book sees it within its refresh period.
 * Idempotent: a second call returns the first time.
 */
export async function revokeAgentToken(ctx: ServiceContext, input: { organizationId: string; agentTokenId: string }): Promise<RevokeAgentTokenResult> {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: agentTokens.id, revokedAt: agentTokens.revokedAt })
      .from(agentTokens)
      .where(and(eq(agentTokens.id, input.agentTokenId), eq(agentTokens.organizationId, input.organizationId)))
      .limit(1)
      .for("update");
    if (!row) throw new ServiceError("not_found", "Agent token not found.");
    if (row.revokedAt) return { id: row.id, revoked_at: row.revokedAt };
    const revoked_at = ctx.now();
    await tx.update(agentTokens).set({ revokedAt: revoked_at }).where(eq(agentTokens.id, row.id));
    await tx
      .update(machines)
      .set({ status: "offline" })
      .where(and(eq(machines.agentTokenId, row.id), eq(machines.organizationId, input.organizationId)));
    return { id: row.id, revoked_at };
  });
}
