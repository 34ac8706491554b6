import { and, eq, isNull } from "drizzle-orm";
import { sha256Hex } from "../../lib/secrets";
import type { Queryable } from "../../db/client";
import { agentTokens } from "../../db/schema";
import { ServiceError } from "../errors";

export async function authenticateAgent(q: Queryable, authorization: string | undefined): Promise<{ agentTokenId: string; organizationId: string }> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (!token) throw new ServiceError("unauthenticated", "Missing agent token: send 'Authorization: Bearer <agent token>'.");
  const [row] = await q
    .select({ agentTokenId: agentTokens.id, organizationId: agentTokens.organizationId })
    .from(agentTokens)
    .where(and(eq(agentTokens.tokenHash, sha256Hex(token)), isNull(agentTokens.revokedAt)))
    .limit(1);
  if (!row) throw new ServiceError("unauthenticated", "Unknown or revoked agent token. Create one in the dashboard under Provider.");
  return row;
}
