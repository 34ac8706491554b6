import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentTokens, machines } from "../../db/schema";
import { DB_KINDS } from "../../test/database";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { TINY_MODEL_ID } from "../../test/tiny-model";
import { HEARTBEAT_INTERVAL_MS } from "../providers/liveness";
import { revokeAgentToken } from "../providers/revoke-agent-token";

/** A revoked (perhaps leaked) agent token stops selling at once: no buyer traffic within about a second. */
describe.each(DB_KINDS)("revoking an agent token on %s", (kind) => {
  let mp: TestMarketplace;
  let revoked: { organizationId: string; machineId: string };
  let kept: { machineId: string };

  beforeAll(async () => {
    mp = await startTestMarketplace(kind, { verification: "trust" });
    const a = await mp.createProvider();
    const b = await mp.createProvider();
    revoked = { organizationId: a.organizationId, machineId: (await mp.startAgent({ agentToken: a.agentToken, name: "leaked" })).machineId()! };
    kept = { machineId: (await mp.startAgent({ agentToken: b.agentToken, name: "kept" })).machineId()! };
  });
  afterAll(async () => {
    await mp?.close();
  });

  it("routes no buyer request to its machines a second after the revoke, and its heartbeats cannot bring them back", async () => {
    const buyer = await mp.createBuyer({ credit_usd: "5" });
    const client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
    // The buyer prefers the provider about to be revoked, so any stale routing would show.
    const ask = async () => {
      const { response } = await client.chat.completions
        .create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], max_tokens: 2, spotlane: { providers: { order: [revoked.organizationId] } } } as never)
        .withResponse();
      return response.headers.get("x-spotlane-provider");
    };
    expect(await ask()).toBe(revoked.machineId);

    const db = mp.server.runtime.database.db;
    const [token] = await db.select({ id: agentTokens.id }).from(agentTokens).where(eq(agentTokens.organizationId, revoked.organizationId));
    await revokeAgentToken(mp.server.runtime.services, { organizationId: revoked.organizationId, agentTokenId: token!.id });
    const revoked_ms = Date.now();

    // Keep buying through the second after the revoke (no cache invalidation: the offer book must catch up by itself).
    const served: { at_ms: number; machine: string | null }[] = [];
    while (Date.now() - revoked_ms < 1_600) served.push({ at_ms: Date.now() - revoked_ms, machine: await ask() });
    const late = served.filter((s) => s.at_ms >= 1_000);
    expect(late.length).toBeGreaterThan(0);
    expect(late.map((s) => s.machine)).toEqual(late.map(() => kept.machineId));

    // The agent keeps heartbeating with its revoked token: refused, so the machine stays offline.
    await new Promise((r) => setTimeout(r, HEARTBEAT_INTERVAL_MS * 1.5));
    expect((await db.select({ status: machines.status }).from(machines).where(eq(machines.id, revoked.machineId)))[0]!.status).toBe("offline");
    expect(await ask()).toBe(kept.machineId);
  });
});
