import { eq, like, or, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, paymentAdjustments, stripeEvents, topUps } from "../../../db/schema";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { accountBalanceNanos } from "../balances";
import { createTopUp } from "../top-ups/create-top-up";
import { applyRefund } from "./apply-refund";
import { listPaymentAdjustments } from "./list-payment-adjustments";
import { refundTopUp } from "./refund-top-up";

describe.each(DB_KINDS)("refunds through Stripe on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;

  beforeAll(async () => {
    fake = await startFakeStripe();
    mp = await startTestMarketplace(kind, { env: fake.env() });
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    // Every event twice, in shuffled order: the ledger must still come out exact.
    fake.delivery.duplicates = 1;
    fake.delivery.shuffle = true;
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });
  afterEach(async () => {
    fake.delivery.auto = true;
    await delivered();
    const [all] = await db().select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` }).from(ledgerLines);
    expect(BigInt(all!.total)).toBe(0n);
  });

  const svc = () => mp.server.runtime.services;
  const db = () => mp.server.runtime.database.db;
  const delivered = async () => {
    await fake.flushWebhooks();
    await mp.stripeIdle();
  };
  const balance = (organizationId: string) => accountBalanceNanos(db(), "buyer_balance", organizationId);
  const usd = usdToNanos;

  /** A buyer with no credit who tops up `amount` on the fake's Checkout; the credit lands through the webhooks. */
  async function paidBuyer(amount: string) {
    const { organizationId } = await mp.createBuyer({ credit_usd: "0" });
    const { topUpId } = await createTopUp(svc(), { organizationId, userId: "user_refund_test", amount_nanos: usd(amount) });
    const [pending] = await db().select().from(topUps).where(eq(topUps.id, topUpId));
    expect((await fake.payCheckout(pending!.stripeCheckoutSessionId!, "card")).error).toBeNull();
    await delivered();
    const [paid] = await db().select().from(topUps).where(eq(topUps.id, topUpId));
    expect(paid).toMatchObject({ status: "paid", stripeChargeId: expect.stringMatching(/^ch_/) });
    expect(await balance(organizationId)).toBe(usd(amount));
    return { organizationId, topUpId, chargeId: paid!.stripeChargeId! };
  }

  /** Journal entries whose key starts with `refund:<id>`, with their lines. */
  async function refundEntries(refundId: string) {
    const rows = await db()
      .select({ key: journalEntries.idempotencyKey, account: ledgerLines.account, org: ledgerLines.organizationId, amount: ledgerLines.amountNanos })
      .from(journalEntries)
      .innerJoin(ledgerLines, eq(ledgerLines.journalEntryId, journalEntries.id))
      .where(or(eq(journalEntries.idempotencyKey, `refund:${refundId}`), like(journalEntries.idempotencyKey, `refund:${refundId}:%`)));
    const byKey = new Map<string, { account: string; org: string | null; amount: bigint }[]>();
    for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), { account: r.account, org: r.org, amount: r.amount }].sort((a, b) => a.account.localeCompare(b.account)));
    return byKey;
  }
  const refundLines = (organizationId: string, amount: bigint) => [
    { account: "buyer_balance", org: organizationId, amount: -amount },
    { account: "stripe_clearing", org: null, amount },
  ];

  it("a full refund takes the whole top-up back once, balanced against Stripe clearing", async () => {
    const buyer = await paidBuyer("20");
    const refund = await fake.refund(buyer.chargeId);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(0n);
    expect(await refundEntries(refund.id)).toEqual(new Map([[`refund:${refund.id}`, refundLines(buyer.organizationId, usd("20"))]]));
    expect(await listPaymentAdjustments(svc(), { organizationId: buyer.organizationId, limit: 10 })).toEqual([
      { id: refund.id, kind: "refund", amount_nanos: usd("20"), status: "succeeded", reason: null, created_at: new Date(refund.created * 1000), top_up_id: buyer.topUpId },
    ]);
  });

  it("two partial refunds of one charge each take their own amount, exactly once", async () => {
    const buyer = await paidBuyer("10");
    const first = await fake.refund(buyer.chargeId, 300);
    const second = await fake.refund(buyer.chargeId, 250);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("4.50"));
    expect((await refundEntries(first.id)).get(`refund:${first.id}`)).toEqual(refundLines(buyer.organizationId, usd("3")));
    expect((await refundEntries(second.id)).get(`refund:${second.id}`)).toEqual(refundLines(buyer.organizationId, usd("2.50")));
    const listed = await listPaymentAdjustments(svc(), { organizationId: buyer.organizationId, limit: 10 });
    expect(listed.map((a) => [a.id, a.amount_nanos, a.status]).sort()).toEqual([[first.id, usd("3"), "succeeded"], [second.id, usd("2.50"), "succeeded"]].sort());
  });

  it("a refund that fails gives the money back exactly once, and the row says failed", async () => {
    const buyer = await paidBuyer("20");
    const refund = await fake.refund(buyer.chargeId, 500);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("15"));
    await fake.failRefund(refund.id);
    await delivered();
    // Late copies of the refund's first events re-read it as failed: nothing moves again.
    for (const e of fake.events().filter((e) => (e.data.object as { id?: string }).id === refund.id)) expect(await fake.resend(e.id)).toBe(200);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    const entries = await refundEntries(refund.id);
    expect(entries).toEqual(
      new Map([
        [`refund:${refund.id}`, refundLines(buyer.organizationId, usd("5"))],
        [`refund:${refund.id}:reversed`, refundLines(buyer.organizationId, -usd("5"))],
      ]),
    );
    const [row] = await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.id, refund.id));
    expect(row).toMatchObject({ kind: "refund", status: "failed", amountNanos: usd("5"), organizationId: buyer.organizationId });
  });

  it("Stripe failing during applyRefund throws for a retry and posts nothing; the retry posts once", async () => {
    const buyer = await paidBuyer("20");
    fake.delivery.auto = false;
    const refund = await fake.refund(buyer.chargeId, 700);
    fake.failNext({ method: "GET", path: /^\/v1\/refunds\// }, 1, "500");
    await expect(applyRefund(svc(), refund.id)).rejects.toThrow();
    expect(await refundEntries(refund.id)).toEqual(new Map());
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    expect(await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.id, refund.id))).toEqual([]);
    expect(await applyRefund(svc(), refund.id)).toMatchObject({ outcome: "applied", organizationId: buyer.organizationId, status: "succeeded", posted: [`refund:${refund.id}`] });
    expect(await applyRefund(svc(), refund.id)).toMatchObject({ outcome: "applied", posted: [] });
    // The held webhooks (twice each, shuffled) arrive afterwards and change nothing.
    fake.delivery.auto = true;
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("13"));
    expect([...(await refundEntries(refund.id)).keys()]).toEqual([`refund:${refund.id}`]);
  });

  it("an operator refunds part of a top-up once per action; the ledger moves at once and the webhooks repeat nothing", async () => {
    const buyer = await paidBuyer("20");
    const action = { topUpId: buyer.topUpId, amount_nanos: usd("4"), requestKey: "5f0c2a9e-7d7b-4c55-9d4e-1a2b3c4d5e6f" };
    const first = await refundTopUp(svc(), action);
    expect(first).toMatchObject({ refundId: expect.stringMatching(/^re_/), amount_nanos: usd("4"), ledger_applied: true });
    expect(await balance(buyer.organizationId)).toBe(usd("16"));
    // A double click (same action key) is the same refund at Stripe.
    expect((await refundTopUp(svc(), action)).refundId).toBe(first.refundId);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("16"));
    expect([...(await refundEntries(first.refundId)).keys()]).toEqual([`refund:${first.refundId}`]);
    await expect(refundTopUp(svc(), { ...action, amount_nanos: usd("20"), requestKey: "another-action-0001" })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(refundTopUp(svc(), { ...action, amount_nanos: usd("0.001") })).rejects.toMatchObject({ code: "invalid_input" });
    const { topUpId: unpaid } = await createTopUp(svc(), { organizationId: buyer.organizationId, userId: "user_refund_test", amount_nanos: usd("5") });
    await expect(refundTopUp(svc(), { topUpId: unpaid, requestKey: "another-action-0002" })).rejects.toMatchObject({ code: "conflict" });
    expect(await balance(buyer.organizationId)).toBe(usd("16"));
  });

  it("a refund of a charge that is not a Spotlane payment is ignored, not retried forever", async () => {
    const stripe = fake.client();
    const customer = await stripe.customers.create({ email: "someone-else@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: customer.id,
      line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 1000, product_data: { name: "Not ours" } } }],
      success_url: "https://example.com/ok",
      cancel_url: "https://example.com/cancel",
    });
    expect((await fake.payCheckout(session.id, "card")).error).toBeNull();
    await delivered();
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
    const intent = paid.payment_intent as { latest_charge: string | { id: string } };
    const chargeId = typeof intent.latest_charge === "string" ? intent.latest_charge : intent.latest_charge.id;
    const refund = await fake.refund(chargeId);
    await delivered();
    expect(await applyRefund(svc(), refund.id)).toEqual({ outcome: "not_ours", chargeId });
    expect(await refundEntries(refund.id)).toEqual(new Map());
    const events = await db().select({ status: stripeEvents.status }).from(stripeEvents).where(eq(stripeEvents.objectId, refund.id));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.status === "processed")).toBe(true);
  });
});
