import { createServer, type Server } from "node:http";
import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, machines, requests } from "../../db/schema";
import { DB_KINDS } from "../../test/database";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { freePort } from "../../test/tcp-proxy";
import { TINY_MODEL_ID } from "../../test/tiny-model";
import { setStandingBid } from "../market/standing-bids";

describe.each(DB_KINDS)("routing, failover and limits on %s", (kind) => {
  let mp: TestMarketplace;
  let broken: { organizationId: string; machineId: string };
  let healthy: { organizationId: string; machineId: string };
  let failing500: Server;
  let failing500Url: string;

  beforeAll(async () => {
    mp = await startTestMarketplace(kind);
    const a = await mp.createProvider();
    const b = await mp.createProvider();
    const agentA = await mp.startAgent({ agentToken: a.agentToken, name: "a" });
    const agentB = await mp.startAgent({ agentToken: b.agentToken, name: "b" });
    broken = { organizationId: a.organizationId, machineId: agentA.machineId()! };
    healthy = { organizationId: b.organizationId, machineId: agentB.machineId()! };
    failing500 = createServer((_req, res) => res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"engine crashed"}}'));
    await new Promise<void>((ok) => failing500.listen(0, "127.0.0.1", () => ok()));
    failing500Url = `http://127.0.0.1:${(failing500.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    failing500?.close();
    await mp?.close();
  });

  const db = () => mp.server.runtime.database.db;
  const pointBrokenAt = async (url: string) => {
    await db().update(machines).set({ endpointUrl: url }).where(eq(machines.id, broken.machineId));
    mp.server.runtime.offerBook!.invalidate();
  };
  const buyerClient = async (limits: Partial<typeof apiKeys.$inferInsert> = {}) => {
    const buyer = await mp.createBuyer({ credit_usd: "5" });
    if (Object.keys(limits).length) await db().update(apiKeys).set(limits).where(eq(apiKeys.id, buyer.apiKeyId));
    return { buyer, client: new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 }) };
  };
  const ask = (client: OpenAI, extra: Record<string, unknown> = {}) =>
    client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], max_tokens: 4, ...extra } as never).withResponse();

  it.each([
    ["a refused connection", async () => pointBrokenAt(`http://127.0.0.1:${await freePort()}`)],
    ["an HTTP 500", async () => pointBrokenAt(failing500Url)],
  ])("fails over to the next provider after %s before the first byte", async (_label, breakIt) => {
    await breakIt();
    const { client } = await buyerClient();
    const prefer = { spotlane: { providers: { order: [broken.organizationId] } } };
    const { response } = await ask(client, prefer);
    expect(response.headers.get("x-spotlane-provider")).toBe(healthy.machineId);
    const { data: stream, response: streamed } = await ask(client, { ...prefer, stream: true });
    for await (const _ of stream as unknown as AsyncIterable<unknown>) void _;
    expect(streamed.headers.get("x-spotlane-provider")).toBe(healthy.machineId);

    // Without fallbacks the buyer gets a clear 503 and is not charged.
    const before = await mp.settled().then(() => db().select().from(requests));
    await expect(ask(client, { spotlane: { providers: { order: [broken.organizationId] }, allow_fallbacks: false } })).rejects.toMatchObject({ status: 503, code: "no_provider_available" });
    await mp.settled();
    expect(await db().select().from(requests)).toHaveLength(before.length);
    const text = await mp.server.runtime.metrics!.render();
    expect(text).toMatch(/failover/);
  });

  it("routes by hardware and provider filters and names what excluded everyone", async () => {
    const { client } = await buyerClient();
    await expect(ask(client, { spotlane: { hardware: { only: ["nvidia-h100"] } } })).rejects.toMatchObject({ status: 503, message: expect.stringContaining("hardware_excluded") });
    const { response } = await ask(client, { spotlane: { providers: { ignore: [broken.organizationId] }, sort: "latency" } });
    expect(response.headers.get("x-spotlane-provider")).toBe(healthy.machineId);
    await expect(ask(client, { spotlane: { sortt: "price" } })).rejects.toMatchObject({ status: 400 });
  });

  it("applies the key's routing defaults unless the request overrides them", async () => {
    const { client } = await buyerClient({ routingDefaults: { providers: { only: [healthy.organizationId] } } });
    for (let i = 0; i < 3; i++) expect((await ask(client)).response.headers.get("x-spotlane-provider")).toBe(healthy.machineId);
    await expect(ask(client, { spotlane: { providers: { only: [broken.organizationId] }, allow_fallbacks: false } })).rejects.toMatchObject({ status: 503 });
  });

  it("enforces requests per minute and concurrency per key with 429s", async () => {
    const { client } = await buyerClient({ rateLimitPerMinute: 2 });
    await ask(client);
    await ask(client);
    await expect(ask(client)).rejects.toMatchObject({ status: 429, code: "rate_limit_exceeded" });

    const { client: c2 } = await buyerClient({ concurrencyLimit: 1 });
    const results = await Promise.allSettled([ask(c2, { max_tokens: 200 }), ask(c2, { max_tokens: 200 })]);
    expect(results.filter((r) => r.status === "rejected").map((r) => r.reason.status)).toEqual([429]);
  });

  it("treats the organization's standing bid as a cap a request can lower but not raise", async () => {
    const { buyer, client } = await buyerClient();
    await setStandingBid(mp.server.runtime.services, { organizationId: buyer.organizationId, modelId: TINY_MODEL_ID, bid_nanos_per_second: 50_000n });
    await expect(ask(client)).rejects.toMatchObject({ status: 402, code: "price_above_bid" });
    await expect(ask(client, { spotlane: { max_price_per_second: 1 } })).rejects.toMatchObject({ status: 402, code: "price_above_bid" });
    const { buyer: b2, client: c2 } = await buyerClient();
    await setStandingBid(mp.server.runtime.services, { organizationId: b2.organizationId, modelId: TINY_MODEL_ID, bid_nanos_per_second: 1_000_000n });
    expect((await ask(c2)).response.status).toBe(200);
    await expect(ask(c2, { spotlane: { max_price_per_second: 0.00001 } })).rejects.toMatchObject({ status: 402 });
  });

  it("enforces a key's monthly spend limit with a 402", async () => {
    const { client } = await buyerClient({ monthlySpendLimitNanos: 1n });
    await expect(ask(client)).rejects.toMatchObject({ status: 402, code: "spend_limit_exceeded" });
  });
});
