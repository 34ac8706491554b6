import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { members, requests, stripeEvents, topUps } from "../../../db/schema";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { TINY_MODEL_ID } from "../../../test/tiny-model";
import { createApiKey } from "../../buyers/create-api-key";
import { updateApiKeySettings } from "../../buyers/update-api-key-settings";
import { getBuyerBalance } from "../balances";
import { createTopUp } from "../top-ups/create-top-up";
import { ledgerSumNanos } from "../../../test/ledger";

/**
 * Credit already spent is not refunded twice: refunding the whole top-up after using some of it leaves the
 * balance negative (a receivable), and the gateway refuses further requests with 402 on both admission paths.
 */
describe.each(DB_KINDS)("a refund after the credit is spent on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;

  beforeAll(async () => {
    fake = await startFakeStripe();
    // Trusted offers: no canaries, so nothing but this test's requests touches the buyer's balance.
    mp = await startTestMarketplace(kind, { env: fake.env(), verification: "trust" });
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    fake.delivery.duplicates = 1;
    fake.delivery.shuffle = true;
    const provider = await mp.createProvider();
    await mp.startAgent({ agentToken: provider.agentToken, askUsdPerSecond: "0.001", slots: 2 });
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  const svc = () => mp.server.runtime.services;
  const db = () => mp.server.runtime.database.db;
  const delivered = async () => {
    await fake.flushWebhooks();
    await mp.stripeIdle();
  };
  const ask = (apiKey: string) => new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey, maxRetries: 0 }).chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "Hello" }], max_tokens: 8, temperature: 0 });

  it("goes negative by the fee on what was spent (the provider's on-hold part is clawed back), and admission answers 402 while it is", async () => {
    const buyer = await mp.createBuyer({ credit_usd: "0" });
    // A second key with a monthly spend limit is admitted by reservation rows, the first by credit leases.
    const [member] = await db().select({ userId: members.userId }).from(members).where(eq(members.organizationId, buyer.organizationId)).limit(1);
    const limitedUser = member!.userId;
    const limited = await createApiKey(svc(), { organizationId: buyer.organizationId, userId: limitedUser, name: "limited" });
    await updateApiKeySettings(svc(), { organizationId: buyer.organizationId, apiKeyId: limited.id, monthly_spend_limit_nanos: usdToNanos("100") });

    const { topUpId } = await createTopUp(svc(), { organizationId: buyer.organizationId, userId: limitedUser, amount_nanos: usdToNanos("5") });
    const [pending] = await db().select().from(topUps).where(eq(topUps.id, topUpId));
    expect((await fake.payCheckout(pending!.stripeCheckoutSessionId!, "card")).error).toBeNull();
    await delivered();
    const [paid] = await db().select().from(topUps).where(eq(topUps.id, topUpId));
    expect(paid!.status).toBe("paid");

    // Spend some of it through the gateway (reservation path: no credit lease of this buyer exists afterwards).
    const { response } = await ask(limited.secret).withResponse();
    await mp.settled();
    const [served] = await db().select({ cost: requests.costNanos, fee: requests.platformFeeNanos }).from(requests).where(eq(requests.id, response.headers.get("x-spotlane-request-id")!));
    expect(served!.cost).toBeGreaterThan(0n);

    await fake.refund(paid!.stripeChargeId!);
    await delivered();
    const after = await getBuyerBalance(db(), buyer.organizationId, new Date());
    // The provider's part of what was spent was still on hold, so it came back (payouts README "Clawback"): the fee is owed.
    expect(after.balance_nanos).toBe(-served!.fee);
    expect(after.available_nanos).toBeLessThan(0n);

    await expect(ask(buyer.apiKey)).rejects.toMatchObject({ status: 402, code: "insufficient_quota" });
    await expect(ask(limited.secret)).rejects.toMatchObject({ status: 402, code: "insufficient_quota" });
    await mp.settled();
    // Refused requests cost nothing: the receivable is still exactly the fee, and the ledger balances.
    expect((await getBuyerBalance(db(), buyer.organizationId, new Date())).balance_nanos).toBe(-served!.fee);
    expect(await ledgerSumNanos(db())).toBe(0n);
    expect(await db().select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.status, "failed"))).toEqual([]);
  });
});
