import { and, eq } from "drizzle-orm";
import { apiKeys } from "../../db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";

export type RevokeApiKeyResult = { id: string; revoked_at: Date };

/**
 * Sets revoked_at; the gateway caches keys for at most 1 s, so the key stops working within a second.
 * Revoking an already revoked key is a no-op that returns the original time (safe to retry).
 */
export async function revokeApiKey(ctx: ServiceContext, input: { organizationId: string; apiKeyId: string }): Promise<RevokeApiKeyResult> {
  const [row] = await ctx.db
    .select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, input.apiKeyId), eq(apiKeys.organizationId, input.organizationId)))
    .limit(1);
  // Another organization's key reads as missing, never as forbidden: ids do not leak across tenants.
  if (!row) throw new ServiceError("not_found", "API key not found.");
  if (row.revokedAt) return { id: row.id, revoked_at: row.revokedAt };
  const revoked_at = ctx.now();
  await ctx.db.update(apiKeys).set({ revokedAt: revoked_at }).where(eq(apiKeys.id, row.id));
  return { id: row.id, revoked_at };
}
