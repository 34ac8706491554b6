import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { and, asc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { sha256Hex } from "../lib/secrets";
import { agentTokens, apiKeys, members, users } from "../db/schema";
import { createApiKey } from "./buyers/create-api-key";
import { createAgentToken } from "./providers/create-agent-token";
import type { Runtime } from "./runtime";

export const DEMO_BUYER = { email: "demo-buyer@spotlane.local", password: "spotlane-demo", name: "Demo Buyer" };
export const DEMO_PROVIDER = { email: "demo-provider@spotlane.local", password: "spotlane-demo", name: "Demo Provider" };

const credentialsFile = z.object({ baseUrl: z.string(), apiKey: z.string(), agentToken: z.string().optional() });
export type DemoCredentials = z.infer<typeof credentialsFile>;

async function ensureUserOrganization(rt: Runtime, who: typeof DEMO_BUYER): Promise<{ userId: string; organizationId: string }> {
  const db = rt.database.db;
  let [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, who.email)).limit(1);
  if (!user) {
    // Through better-auth, so the password is hashed its way and the sign-up hook creates the organization.
    const created = await rt.auth.api.signUpEmail({ body: { email: who.email, password: who.password, name: who.name } });
    user = { id: created.user.id };
  }
  const [membership] = await db.select({ organizationId: members.organizationId }).from(members).where(eq(members.userId, user.id)).orderBy(asc(members.createdAt)).limit(1);
  if (!membership) throw new Error(`demo user ${who.email} has no organization`);
  return { userId: user.id, organizationId: membership.organizationId };
}

/**
 * Idempotent demo data for the embedded default: a buyer organization with an API key, and a provider
 * organization with an agent token. The buyer is signed up through better-auth, so it gets local test credit
 * exactly when any new organization would: never with Stripe configured (services.test_credit_nanos is 0
 * then, server/main.ts), where its credit comes only from top-ups. Secrets are kept in
 * `<DATA_DIR>/demo-credentials.json` so a restart keeps the same key working.
 */
export async function seedDemo(rt: Runtime, file: string): Promise<DemoCredentials> {
  const db = rt.database.db;
  const saved = existsSync(file) ? credentialsFile.safeParse(JSON.parse(readFileSync(file, "utf8"))) : null;
  const previous = saved?.success ? saved.data : null;

  const buyer = await ensureUserOrganization(rt, DEMO_BUYER);
  const provider = await ensureUserOrganization(rt, DEMO_PROVIDER);

  let apiKey = previous?.apiKey;
  const [liveKey] = apiKey ? await db.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.keyHash, sha256Hex(apiKey)), isNull(apiKeys.revokedAt))).limit(1) : [];
  if (!liveKey) apiKey = (await createApiKey(rt.services, { organizationId: buyer.organizationId, userId: buyer.userId, name: "Demo key" })).secret;

  let agentToken = previous?.agentToken;
  const [liveToken] = agentToken ? await db.select({ id: agentTokens.id }).from(agentTokens).where(and(eq(agentTokens.tokenHash, sha256Hex(agentToken)), isNull(agentTokens.revokedAt))).limit(1) : [];
  if (!liveToken) agentToken = (await createAgentToken(rt.services, { organizationId: provider.organizationId, name: "Demo agent" })).token;

  const credentials: DemoCredentials = { baseUrl: rt.baseUrl, apiKey: apiKey!, agentToken };
  writeFileSync(file, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  return credentials;
}
