import { desc, eq } from "drizzle-orm";
import { apiKeys } from "../../db/schema";
import type { ServiceContext } from "../context";

export type ApiKeySummary = { id: string; name: string; key_prefix: string; created_at: Date; revoked_at: Date | null; status: "active" | "revoked" };

/** An organization's API keys, newest first. Never includes hashes or secrets. */
export async function listApiKeys(ctx: ServiceContext, input: { organizationId: string }): Promise<ApiKeySummary[]> {
  const rows = await ctx.db
    .select({ id: apiKeys.id, name: apiKeys.name, keyPrefix: apiKeys.keyPrefix, createdAt: apiKeys.createdAt, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.organizationId, input.organizationId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map((r) => ({ id: r.id, name: r.name, key_prefix: r.keyPrefix, created_at: r.createdAt, revoked_at: r.revokedAt, status: r.revokedAt ? "revoked" : "active" }));
}
