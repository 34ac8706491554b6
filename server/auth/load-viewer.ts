import { and, eq, isNull } from "drizzle-orm";
import { members, organizations } from "../../db/schema";
import type { Runtime } from "../runtime";

/**
 * Who is asking: the better-auth session plus the active organization and the member's role string
 * (interpreted only by server/auth/roles.ts). One loader for tRPC and server components, so both
 * surfaces agree on what "signed in" and "member of an org" mean.
 */
export type Viewer = {
  session: { id: string; expiresAt: Date; activeOrganizationId: string | null };
  user: { id: string; name: string; email: string };
  /** Null when the session has no active organization or the user is no longer a member of it. */
  organization: { id: string; name: string; memberRole: string } | null;
};

export async function loadViewer(runtime: Runtime, headers: Headers): Promise<Viewer | null> {
  const result = await runtime.auth.api.getSession({ headers });
  if (!result) return null;
  const activeOrganizationId = result.session.activeOrganizationId ?? null;
  let organization: Viewer["organization"] = null;
  if (activeOrganizationId) {
    // Membership is re-read on every request: a removed member loses access at once, not at session expiry.
    const [row] = await runtime.database.db
      .select({ id: organizations.id, name: organizations.name, memberRole: members.role })
      .from(members)
      .innerJoin(organizations, eq(organizations.id, members.organizationId))
      // A closed organization (close-organization.ts) reads as no membership: nobody acts for it any more.
      .where(and(eq(members.organizationId, activeOrganizationId), eq(members.userId, result.user.id), isNull(organizations.deletedAt)))
      .limit(1);
    organization = row ?? null;
  }
  return {
    session: { id: result.session.id, expiresAt: result.session.expiresAt, activeOrganizationId },
    user: { id: result.user.id, name: result.user.name, email: result.user.email },
    organization,
  };
}
