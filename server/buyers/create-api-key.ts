import { apiKeys } from "../../db/schema";
import { newId } from "../../lib/ids";
import { lookupPrefix, newSecret, sha256Hex } from "../../lib/secrets";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";

export type CreateApiKeyInput = { organizationId: string; userId: string; name: string };
export type CreateApiKeyResult = { id: string; name: string; key_prefix: string; created_at: Date; secret: string };

/** Creates a buyer API key. The plaintext `secret` exists only in this result: the table keeps its SHA-256. */
export async function createApiKey(ctx: ServiceContext, input: CreateApiKeyInput): Promise<CreateApiKeyResult> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw new ServiceError("invalid_input", "Key name must be 1–100 characters.");
  const secret = newSecret("apiKey");
  const row = { id: newId("apiKey"), organizationId: input.organizationId, name, keyPrefix: lookupPrefix(secret), keyHash: sha256Hex(secret), createdByUserId: input.userId, createdAt: ctx.now() };
  await ctx.db.insert(apiKeys).values(row);
  return { id: row.id, name, key_prefix: row.keyPrefix, created_at: row.createdAt, secret };
}
