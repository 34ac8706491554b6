import OpenAI from "openai";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, requests, reservations } from "../../db/schema";
import { signRequest } from "../../lib/signing";
import { accountBalanceNanos } from "../billing/balances";
import { DB_KINDS } from "../../test/database";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { TINY_MODEL_ID } from "../../test/tiny-model";
import { usdToNanos } from "../../lib/money";

describe.each(DB_KINDS)("gateway end to end on %s", (kind) => {
  let mp: TestMarketplace;
  let buyer: Awaited<ReturnType<TestMarketplace["createBuyer"]>>;
  let provider: Awaited<ReturnType<TestMarketplace["createProvider"]>>;
  let client: OpenAI;
  let agentUrl: string;

  beforeAll(async () => {
    mp = await startTestMarketplace(kind);
    buyer = await mp.createBuyer({ credit_usd: "10" });
    provider = await mp.createProvider();
    agentUrl = (await mp.startAgent({ agentToken: provider.agentToken, askUsdPerSecond: "0.001", slots: 2 })).url;
    client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
  });
  afterAll(async () => mp?.close());

  const db = () => mp.server.runtime.database.db;

  it("lists the offered model with its market", async () => {
    const models = await client.models.list();
    const tiny = models.data.find((m) => m.id === TINY_MODEL_ID) as unknown as { spotlane: { markets: { hardware_class: string; spot_price_nanos_per_second: string; live_offers: number }[] } };
    expect(tiny.spotlane.markets).toEqual([expect.objectContaining({ hardware_class: "cpu", spot_price_nanos_per_second: "1000000", live_offers: 1 })]);
  });

  it("serves a non-streaming chat completion, metered and settled exactly", async () => {
    const { data, response } = await client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "Hello" }], max_tokens: 16, temperature: 0 }).withResponse();
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(data.usage!.completion_tokens).toBe(16);
    const requestId = response.headers.get("x-spotlane-request-id")!;
    expect(response.headers.get("x-spotlane-market")).toBe(`${TINY_MODEL_ID}@cpu`);
    const usage = data.usage as unknown as { cost_nanos: string; compute_ms: number; billed_ms: number; cost: number; served_ms?: number };
    // The agent's served-time report is for the gateway only.
    expect(usage.served_ms).toBeUndefined();
    await mp.settled();
    const [row] = await db().select().from(requests).where(eq(requests.id, requestId));
    expect(row).toMatchObject({ status: "completed", promptTokens: data.usage!.prompt_tokens, completionTokens: 16, priceNanosPerSecond: 1_000_000n, computeMs: usage.compute_ms, billedMs: usage.billed_ms });
    // Billed: the slot time served, never more than measured or quoted (server/billing/meter.ts).
    expect(row!.billedMs).toBeLessThanOrEqual(Math.min(row!.computeMs, row!.servedMs!, row!.quoteMs!));
    // price × billed_ms / 1000, half-up; buyer debit = provider credit + fee.
    expect(row!.costNanos).toBe((1_000_000n * BigInt(usage.billed_ms) + 500n) / 1000n);
    expect(String(row!.costNanos)).toBe(usage.cost_nanos);
    expect(row!.providerEarningsNanos + row!.platformFeeNanos).toBe(row!.costNanos);
    const lines = await db().select({ amount: ledgerLines.amountNanos }).from(ledgerLines).innerJoin(journalEntries, eq(ledgerLines.journalEntryId, journalEntries.id)).where(eq(journalEntries.requestId, requestId));
    expect(lines.reduce((s, l) => s + l.amount, 0n)).toBe(0n);
  });

  it("streams with include_usage and reports the cost in the final chunk", async () => {
    const stream = await client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "Stream please" }], max_tokens: 12, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: Record<string, unknown> | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage as unknown as Record<string, unknown>;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage).toMatchObject({ completion_tokens: 12, cost_nanos: expect.stringMatching(/^\d+$/) });
  });

  it("streams without include_usage and still meters the request", async () => {
    await mp.settled();
    const before = await db().select({ n: sql<number>`count(*)::int` }).from(requests);
    const stream = await client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "x" }], max_tokens: 4, stream: true });
    for await (const chunk of stream) expect(chunk.usage ?? null).toBeNull();
    await mp.settled();
    const after = await db().select({ n: sql<number>`count(*)::int` }).from(requests);
    expect(after[0]!.n).toBe(before[0]!.n + 1);
  });

  it("answers errors in OpenAI's shape and status", async () => {
    await expect(new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: "sk-spot-nope", maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401, code: "invalid_api_key" });
    await expect(client.chat.completions.create({ model: TINY_MODEL_ID, messages: [] })).rejects.toMatchObject({ status: 400, param: "messages" });
    await expect(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 404, code: "model_not_found" });
    const raw = await fetch(`${mp.baseUrl}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${buyer.apiKey}` }, body: "{not json" });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { type: "invalid_request_error", message: expect.any(String) } });
    const broke = await mp.createBuyer({ credit_usd: "0" });
    const brokeClient = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: broke.apiKey, maxRetries: 0 });
    await expect(brokeClient.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 402, code: "insufficient_quota" });
  });

  it("refuses a request whose bid is below the spot price", async () => {
    await expect(
      client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], spotlane: { max_price_per_second: 0.0005 } } as never),
    ).rejects.toMatchObject({ status: 402, code: "price_above_bid", message: expect.stringContaining("1000000 nano-USD per second") });
  });

  it("keeps the ledger balanced to the nano-dollar over many concurrent requests", async () => {
    const spender = await mp.createBuyer({ credit_usd: "5" });
    const c = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: spender.apiKey, maxRetries: 0 });
    // More concurrent requests than the provider's queue holds: the excess gets 503s and must leave no trace.
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, async (_, i) => {
        if (i % 2 === 0) return c.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: `n${i}` }], max_tokens: 8 });
        const s = await c.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: `s${i}` }], max_tokens: 8, stream: true });
        for await (const _ of s) void _;
      }),
    );
    await mp.settled();
    const N = results.filter((r) => r.status === "fulfilled").length;
    expect(N).toBeGreaterThanOrEqual(8);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ status: 503 });
    const rows = await db().select().from(requests).where(eq(requests.organizationId, spender.organizationId));
    expect(rows).toHaveLength(N);
    const spent = rows.reduce((s, r) => s + r.costNanos, 0n);
    expect(rows.every((r) => r.providerEarningsNanos + r.platformFeeNanos === r.costNanos && r.status === "completed")).toBe(true);
    expect(await accountBalanceNanos(db(), "buyer_balance", spender.organizationId)).toBe(usdToNanos("5") - spent);
    const [total] = await db().select({ sum: sql<string>`coalesce(sum(${ledgerLines.amountNanos}),0)::text` }).from(ledgerLines);
    expect(total!.sum).toBe("0");
    const settlements = await db().select({ n: sql<number>`count(*)::int` }).from(journalEntries).where(sql`${journalEntries.requestId} in (select id from requests where organization_id = ${spender.organizationId})`);
    expect(settlements[0]!.n).toBe(N);
    expect(await db().select().from(reservations).where(eq(reservations.organizationId, spender.organizationId))).toEqual([]);
  });

  it("agent refuses unsigned, forged and replayed requests", async () => {
    const body = JSON.stringify({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
    const post = (headers: Record<string, string>) => fetch(`${agentUrl}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    expect((await post({})).status).toBe(401);
    const forged = signRequest("not-the-secret", { timestamp_ms: Date.now(), nonce: "n1", method: "POST", path: "/v1/chat/completions", body });
    expect((await post(forged)).status).toBe(401);
    const [m] = await db().select({ secret: sql<string>`secret` }).from(sql`machines`).where(sql`organization_id = ${provider.organizationId}`);
    const stale = signRequest(m!.secret, { timestamp_ms: Date.now() - 120_000, nonce: "n2", method: "POST", path: "/v1/chat/completions", body });
    expect((await post(stale)).status).toBe(401);
    const good = signRequest(m!.secret, { timestamp_ms: Date.now(), nonce: "n3", method: "POST", path: "/v1/chat/completions", body });
    const served = await post(good);
    expect(served.status).toBe(200);
    // The agent says how long it held the request, so the gateway can tell network time from engine time.
    expect(Number(served.headers.get("x-spotlane-agent-ms"))).toBeGreaterThanOrEqual(0);
    expect((await post(good)).status).toBe(401);
  });
});
