import { randomUUID } from "node:crypto";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements, adminAc, memberAc } from "better-auth/plugins/organization/access";
import { organization } from "better-auth/plugins";
import { asc, eq } from "drizzle-orm";
import { newId } from "../../lib/ids";
import * as schema from "../../db/schema";
import type { Db } from "../../db/client";
import { createOrganizationForUser } from "./create-organization";

const ac = createAccessControl(defaultStatements);
const orgRoles = {
  admin: ac.newRole({ ...adminAc.statements, organization: ["update", "delete"] }),
  buyer: ac.newRole(memberAc.statements),
  provider: ac.newRole(memberAc.statements),
  finance: ac.newRole(memberAc.statements),
};

/** The organization a new session starts in: the user's oldest membership. */
async function firstOrganizationId(db: Db, userId: string): Promise<string | null> {
  const [first] = await db
    .select({ organizationId: schema.members.organizationId })
    .from(schema.members)
    .where(eq(schema.members.userId, userId))
    .orderBy(asc(schema.members.createdAt))
    .limit(1);
  return first?.organizationId ?? null;
}

export type AuthDeps = { db: Db; secret: string; baseUrl: string; testCreditNanos: bigint };

/** better-auth with email + password and organizations; every new user gets an organization they administer. */
export function createAuth(deps: AuthDeps) {
  return betterAuth({
    secret: deps.secret,
    baseURL: deps.baseUrl,
    basePath: "/api/auth",
    trustedOrigins: [deps.baseUrl, "http://localhost:*", "http://127.0.0.1:*"],
    database: drizzleAdapter(deps.db, { provider: "pg", schema, usePlural: true }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, autoSignIn: true },
    advanced: {
      // Every table's id column is text without a default, so every model needs an id from here
      // (returning false would leave it to the database and fail): prefixed ids where we have a prefix.
      database: { generateId: ({ model }) => (model === "user" ? newId("user") : model === "organization" ? newId("organization") : model === "member" ? newId("member") : randomUUID()) },
    },
    plugins: [organization({ ac, roles: orgRoles, creatorRole: "admin", allowUserToCreateOrganization: true })],
    databaseHooks: {
      user: {
        create: {
          after: async (user) => {
            await createOrganizationForUser(deps.db, { userId: user.id, name: `${user.name}'s organization`, roles: "admin", testCreditNanos: deps.testCreditNanos });
          },
        },
      },
      session: {
        create: {
          before: async (session) => {
            return { data: { ...session, activeOrganizationId: await firstOrganizationId(deps.db, session.userId) } };
          },
          // On sign-up the session is created before user.create.after has made the organization:
          // better-auth defers every "after" hook until the sign-up transaction commits, then runs them
          // in order (user first). So the before hook above finds no membership; fill it in here.
          after: async (session) => {
            if (session.activeOrganizationId) return;
            const organizationId = await firstOrganizationId(deps.db, session.userId);
            if (organizationId) await deps.db.update(schema.sessions).set({ activeOrganizationId: organizationId }).where(eq(schema.sessions.id, session.id));
          },
        },
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
