import { randomUUID } from "node:crypto";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements, adminAc, memberAc } from "better-auth/plugins/organization/access";
import { organization } from "better-auth/plugins";
import { and, asc, eq, isNull } from "drizzle-orm";
import { newId } from "../../lib/ids";
import * as schema from "../../db/schema";
import type { Db } from "../../db/client";
import { CLIENT_IP_HEADER } from "../http/client-ip";
import { createOrganizationForUser } from "./create-organization";
import { createPasswordHashing } from "./password-hashing";
import { AUTH_RATE_LIMIT_DEFAULT, AUTH_RATE_LIMIT_RULES, createMemoryRateLimitStorage } from "./rate-limits";
import { testCreditAvailable } from "./test-credit-budget";

const ac = createAccessControl(defaultStatements);
const orgRoles = {
  admin: ac.newRole({ ...adminAc.statements, organization: ["update", "delete"] }),
  buyer: ac.newRole(memberAc.statements),
  provider: ac.newRole(memberAc.statements),
  finance: ac.newRole(memberAc.statements),
};

/** The organization a new session starts in: the user's oldest membership of an organization still open. */
async function firstOrganizationId(db: Db, userId: string): Promise<string | null> {
  const [first] = await db
    .select({ organizationId: schema.members.organizationId })
    .from(schema.members)
    .innerJoin(schema.organizations, eq(schema.organizations.id, schema.members.organizationId))
    .where(and(eq(schema.members.userId, userId), isNull(schema.organizations.deletedAt)))
    .orderBy(asc(schema.members.createdAt))
    .limit(1);
  return first?.organizationId ?? null;
}

export type AuthDeps = {
  db: Db;
  secret: string;
  baseUrl: string;
  testCreditNanos: bigint;
  /** Outside production any localhost port is a trusted origin (dev servers, tests). Default production. */
  mode?: "production" | "development" | "test";
  /** Further exact origins to trust in production (server/main.ts: this port on localhost when PUBLIC_URL is unset). */
  localOrigins?: string[];
  /** New organizations per hour that get the test credit (test-credit-budget.ts). Default 100. */
  testCreditGrantsPerHour?: number;
};

/** better-auth with email + password and organizations; every new user gets an organization they administer. */
export function createAuth(deps: AuthDeps) {
  const passwords = createPasswordHashing();
  return betterAuth({
    secret: deps.secret,
    baseURL: deps.baseUrl,
    basePath: "/api/auth",
    // Where sign-in may come from and callbackURL may point: the public origin only in production, so a
    // callback to another port on the same host (another service) is refused.
    trustedOrigins: [new URL(deps.baseUrl).origin, ...(deps.localOrigins ?? []), ...((deps.mode ?? "production") === "production" ? [] : ["http://localhost:*", "http://127.0.0.1:*"])],
    database: drizzleAdapter(deps.db, { provider: "pg", schema, usePlural: true }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, autoSignIn: true, password: { hash: passwords.hash, verify: passwords.verify } },
    rateLimit: { enabled: true, ...AUTH_RATE_LIMIT_DEFAULT, customRules: AUTH_RATE_LIMIT_RULES, customStorage: createMemoryRateLimitStorage() },
    advanced: {
      // The only address source: server/main.ts sets it from the socket (and TRUSTED_PROXY_HOPS), replacing
      // anything the client sent; X-Forwarded-For itself is never read here.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      // better-auth skips origin and callbackURL checks when NODE_ENV=test; check them always, so tests see production's rules.
      disableOriginCheck: false,
      // Every table's id column is text without a default, so every model needs an id from here
      // (returning false would leave it to the database and fail): prefixed ids where we have a prefix.
      database: { generateId: ({ model }) => (model === "user" ? newId("user") : model === "organization" ? newId("organization") : model === "member" ? newId("member") : randomUUID()) },
    },
    plugins: [
      organization({
        ac,
        roles: orgRoles,
        creatorRole: "admin",
        allowUserToCreateOrganization: true,
        // Its hard delete cascades away members and then fails on the ledger's foreign keys. Organizations
        // are closed instead (tRPC organization.close, close-organization.ts): a soft delete that keeps the ledger.
        disableOrganizationDeletion: true,
      }),
    ],
    databaseHooks: {
      user: {
        create: {
          after: async (user) => {
            const credit = deps.testCreditNanos > 0n && (await testCreditAvailable(deps.db, { grants_per_hour: deps.testCreditGrantsPerHour ?? 100, now: new Date() }));
            await createOrganizationForUser(deps.db, { userId: user.id, name: `${user.name}'s organization`, roles: "admin", testCreditNanos: credit ? deps.testCreditNanos : 0n });
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
