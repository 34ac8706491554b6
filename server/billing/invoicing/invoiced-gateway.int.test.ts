import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { organizationBilling } from "../../../db/schema";
import { centsToNanos, usdToNanos } from "../../../lib/money";
import { gatewayLeases } from "../../../test/adversarial/money-invariants";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { TINY_MODEL_ID } from "../../../test/tiny-model";
import { acquireLease } from "../../leader-lease";
import { METER_PUSH_LEASE_NAME } from "../../../workers/meter-push";
import { accountBalanceNanos, getBuyerBalance } from "../balances";
import { PAST_DUE_MESSAGE } from "./billing-terms";
import { HOUR_MS } from "./meter-outbox";
import { pushMeterOutbox } from "./push-meter-outbox";
import { setOrganizationBilling } from "./set-organization-billing";

/** Through the real gateway and agent: credit-limited admission, then a failed invoice's 402 and its payment. */
describe.each(DB_KINDS)("an invoiced organization at the gateway on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  let buyer: Awaited<ReturnType<TestMarketplace["createBuyer"]>>;
  let client: OpenAI;
  const limit = usdToNanos("0.30");

  beforeAll(async () => {
    fake = await startFakeStripe();
    mp = await startTestMarketplace(kind, { env: fake.env(), verification: "trust" });
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    fake.delivery.duplicates = 1;
    fake.delivery.shuffle = true;
    expect(await acquireLease(mp.server.runtime.database.db, { name: METER_PUSH_LEASE_NAME, holder: "gateway-test", ttl_ms: 3_600_000 })).toBe(true);
    const provider = await mp.createProvider();
    await mp.startAgent({ agentToken: provider.agentToken, askUsdPerSecond: "0.1", slots: 2 });
    buyer = await mp.createBuyer({ credit_usd: "0" });
    await setOrganizationBilling(mp.server.runtime.services, { organizationId: buyer.organizationId, mode: "invoiced", credit_limit_nanos: limit });
    client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  const db = () => mp.server.runtime.database.db;
  const ask = () => client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "Hi" }], max_tokens: 8, temperature: 0 });
  const delivered = async () => {
    await fake.flushWebhooks();
    await mp.stripeIdle();
  };

  it("admits usage below a zero balance up to the credit limit, then answers 402; a failed invoice is a 402 until it is paid", async () => {
    let served = 0;
    let refusal: unknown = null;
    for (let i = 0; i < 2000 && !refusal; i++) {
      try {
        await ask();
        served++;
      } catch (err) {
        refusal = err;
      }
    }
    expect(served).toBeGreaterThan(0);
    expect(refusal).toMatchObject({ status: 402, code: "insufficient_quota" });
    await mp.settled();
    const spent = await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId);
    expect(spent).toBeLessThan(0n);
    expect(spent).toBeGreaterThanOrEqual(-limit);

    // The hour's usage goes to Stripe once the hour is over (clock injected), and is invoiced; the charge fails.
    await pushMeterOutbox({ db: db(), stripe: mp.server.runtime.services.stripe! }, new Date(Date.now() + HOUR_MS + 2 * 60_000));
    const customerEvents = fake.meterEvents();
    expect(customerEvents.reduce((s, e) => s + BigInt(e.payload.value!), 0n)).toBe(-spent);
    const [row] = await db().select().from(organizationBilling).where(eq(organizationBilling.organizationId, buyer.organizationId));
    const invoice = await fake.invoiceSubscription(row!.stripeSubscriptionId!, "payment_failed");
    await delivered();
    // What the renewal timer does every 30 s: a past-due organization's lease is not extended.
    await gatewayLeases(mp).renew();
    await expect(ask()).rejects.toMatchObject({ status: 402, code: "invoice_past_due", message: expect.stringContaining(PAST_DUE_MESSAGE) });

    await fake.payInvoice(invoice.id, "paid");
    await delivered();
    await mp.settled();
    expect(await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId)).toBe(spent + centsToNanos(invoice.amount_paid));
    expect((await getBuyerBalance(db(), buyer.organizationId, new Date())).past_due).toBe(false);
    await ask();
  });
});
