import { TRPCError } from "@trpc/server";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machines, offers, organizations } from "../../db/schema";
import { newId } from "../../lib/ids";
import { usdToNanos } from "../../lib/money";
import { AGENT_API_PREFIX } from "../../lib/wire/agent";
import { DB_KINDS } from "../../test/database";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { accountBalanceNanos } from "../billing/balances";
import { grantTestCredit } from "../billing/grant-test-credit";
import { createApiKey } from "../buyers/create-api-key";
import { CLIENT_IP_HEADER } from "../http/client-ip";
import { createAgentToken } from "../providers/create-agent-token";
import { createTRPCContext } from "../trpc/init";
import { createCaller } from "../trpc/root";
import { closeOrganization } from "./close-organization";

describe.each(DB_KINDS)("closing an organization on %s", (kind) => {
  let m: TestMarketplace;
  beforeAll(async () => {
    m = await startTestMarketplace(kind, { verification: "trust" });
  });
  afterAll(() => m?.close());

  it("revokes its keys and agent tokens, takes its machines offline, keeps its ledger, and never 500s", async () => {
    const rt = m.server.runtime;
    const db = rt.database.db;
    const { headers, response } = await rt.auth.api.signUpEmail({ body: { email: `closer-${newId("user")}@test.local`, password: "password123", name: "closer" }, returnHeaders: true });
    const cookie = headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const session = new Headers({ cookie });
    const organizationId = (await createTRPCContext({ headers: session })).organizationId!;
    const userId = response.user.id;
    await grantTestCredit(db, { organizationId, amount_nanos: usdToNanos("3"), idempotencyKey: `test-credit:close:${organizationId}`, at: new Date() });
    const key = await createApiKey(rt.services, { organizationId, userId, name: "prod" });
    const token = await createAgentToken(rt.services, { organizationId, name: "rack" });
    const machineId = newId("machine");
    await db.insert(machines).values({
      id: machineId, organizationId, agentTokenId: token.id, name: "m1", hardwareClass: "cpu", agentVersion: "test", endpointUrl: "http://127.0.0.1:1",
      secret: "s", status: "online", lastHeartbeatAt: new Date(), hardware: { hardware_class: "cpu", cpu_model: "x", cpu_cores: 1, memory_mb: 1, gpus: [] },
    });
    await db.insert(offers).values({
      id: newId("offer"), machineId, organizationId, modelId: "tiny:f32", hardwareClass: "cpu", slots: 2, registeredSlots: 2, askNanosPerSecond: 50_000n,
      engine: "test", engineVersion: "1", contextSize: 1024, claimedDecodeTokensPerSecond: 100, claimedPrefillTokensPerSecond: 100, claimedTtftMs: 10, status: "live", verificationStatus: "verified",
    });

    const models = () => fetch(`${m.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${key.secret}` } });
    const heartbeat = () => fetch(`${m.baseUrl}${AGENT_API_PREFIX}/machines/heartbeat`, { method: "POST", headers: { authorization: `Bearer ${token.token}`, "content-type": "application/json" }, body: "{}" });
    expect((await models()).status).toBe(200);
    expect((await heartbeat()).status).not.toBe(401);

    // better-auth's own delete endpoint is off: a clear 404, members and ledger untouched (it used to 500 half-way).
    const hardDelete = await rt.auth.handler(
      new Request(`${rt.baseUrl}/api/auth/organization/delete`, { method: "POST", headers: { cookie, origin: rt.baseUrl, "content-type": "application/json", [CLIENT_IP_HEADER]: "203.0.113.40" }, body: JSON.stringify({ organizationId }) }),
    );
    expect(hardDelete.status).toBe(404);

    const caller = createCaller(await createTRPCContext({ headers: session }));
    await expect(caller.organization.close({ organizationId: "org_someone_else" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const closed = await caller.organization.close({ organizationId });
    expect(closed).toMatchObject({ organization_id: organizationId, buyer_balance_nanos: usdToNanos("3"), provider_earnings_nanos: 0n });

    // The gateway caches keys for up to 1 s (api-key-cache.ts).
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await models()).status).toBe(401);
    expect((await heartbeat()).status).toBe(401);
    const [machine] = await db.select({ status: machines.status }).from(machines).where(eq(machines.id, machineId));
    expect(machine!.status).toBe("offline");
    expect((await db.select({ status: offers.status }).from(offers).where(eq(offers.machineId, machineId))).map((o) => o.status)).toEqual(["withdrawn"]);

    // Nobody acts for it any more, and the money stays on the ledger, visibly, and balanced.
    const after = createCaller(await createTRPCContext({ headers: session }));
    const refused = await after.buyer.balance().then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(TRPCError);
    expect((refused as TRPCError).code).toBe("FORBIDDEN");
    expect(await accountBalanceNanos(db, "buyer_balance", organizationId)).toBe(usdToNanos("3"));
    const sums = (await db.execute<{ total: string }>(sql`select coalesce(sum(amount_nanos), 0)::text as total from ledger_lines`)) as { rows: { total: string }[] };
    expect(sums.rows[0]!.total).toBe("0");
    const [org] = await db.select({ deletedAt: organizations.deletedAt }).from(organizations).where(eq(organizations.id, organizationId));
    expect(org!.deletedAt).toEqual(closed.closed_at);

    // Idempotent: closing again returns the first close.
    expect((await closeOrganization(rt.services, { organizationId })).closed_at).toEqual(closed.closed_at);
  });
});
