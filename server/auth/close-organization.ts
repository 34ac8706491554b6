import { and, eq, isNull, ne } from "drizzle-orm";
import { agentTokens, apiKeys, invitations, machines, offers, organizations, sessions, standingBids } from "../../db/schema";
import { accountBalanceNanos } from "../billing/balances";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";

export type CloseOrganizationResult = {
  organization_id: string;
  closed_at: Date;
  /** What the ledger still owes the organization: it stays there, visible, until settled through Stripe. */
  buyer_balance_nanos: bigint;
  provider_earnings_nanos: bigint;
};

/**
 * Closing is a soft delete: the organization row, its members and its ledger stay (ledger lines reference
 * it, and money is never moved or dropped without Stripe), while everything that lets anyone act for it
 * stops at once: API keys and agent tokens are revoked, machines go offline, offers are withdrawn, standing
 * bids and pending invitations end, and sessions lose it as their active organization. Members then see
 * it as gone (load-viewer.ts). Idempotent: closing a closed organization returns the first close.
 */
export async function closeOrganization(ctx: ServiceContext, input: { organizationId: string }): Promise<CloseOrganizationResult> {
  const now = ctx.now();
  const closed_at = await ctx.db.transaction(async (tx) => {
    const [org] = await tx.select({ deletedAt: organizations.deletedAt }).from(organizations).where(eq(organizations.id, input.organizationId)).for("update");
    if (!org) throw new ServiceError("not_found", "Organization not found.");
    if (org.deletedAt) return org.deletedAt;
    const id = input.organizationId;
    await tx.update(organizations).set({ deletedAt: now }).where(eq(organizations.id, id));
    await tx.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.organizationId, id), isNull(apiKeys.revokedAt)));
    await tx.update(agentTokens).set({ revokedAt: now }).where(and(eq(agentTokens.organizationId, id), isNull(agentTokens.revokedAt)));
    await tx.update(machines).set({ status: "offline" }).where(and(eq(machines.organizationId, id), ne(machines.status, "offline")));
    await tx.update(offers).set({ status: "withdrawn", updatedAt: now }).where(and(eq(offers.organizationId, id), eq(offers.status, "live")));
    await tx.delete(standingBids).where(eq(standingBids.organizationId, id));
    await tx.update(invitations).set({ status: "canceled" }).where(and(eq(invitations.organizationId, id), eq(invitations.status, "pending")));
    await tx.update(sessions).set({ activeOrganizationId: null }).where(eq(sessions.activeOrganizationId, id));
    return now;
  });
  return {
    organization_id: input.organizationId,
    closed_at,
    buyer_balance_nanos: await accountBalanceNanos(ctx.db, "buyer_balance", input.organizationId),
    provider_earnings_nanos: await accountBalanceNanos(ctx.db, "provider_earnings", input.organizationId),
  };
}
