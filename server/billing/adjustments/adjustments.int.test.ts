import { and, eq, like, or } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, paymentAdjustments, stripeEvents, topUps } from "../../../db/schema";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { accountBalanceNanos } from "../balances";
import { getAutoTopUpSettings } from "../auto-top-up/get-auto-top-up-settings";
import { runAutoTopUp } from "../auto-top-up/run-auto-top-up";
import { updateAutoTopUpSettings } from "../auto-top-up/update-auto-top-up-settings";
import { createTopUp } from "../top-ups/create-top-up";
import { applyDispute } from "./apply-dispute";
import { applyRefund } from "./apply-refund";
import { listPaymentAdjustments } from "./list-payment-adjustments";
import { recordAdjustment } from "./record-adjustment";
import { refundTopUp } from "./refund-top-up";
import { ledgerSumNanos } from "../../../test/ledger";

describe.each(DB_KINDS)("refunds and disputes through Stripe on %s", (kind) => {
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
    expect(await ledgerSumNanos(db())).toBe(0n);
    // Every event was handled: none ran out of retries (a throwing handler would end up here).
    expect(await db().select({ id: stripeEvents.id, type: stripeEvents.type, error: stripeEvents.lastError }).from(stripeEvents).where(eq(stripeEvents.status, "failed"))).toEqual([]);
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

  /** The journal entries of one refund or dispute (`refund:<re>`, `refund:<re>:reversed`, `dispute:<dp>:…`): key → lines. */
  async function entriesOf(objectId: string) {
    const rows = await db()
      .select({ key: journalEntries.idempotencyKey, account: ledgerLines.account, org: ledgerLines.organizationId, amount: ledgerLines.amountNanos })
      .from(journalEntries)
      .innerJoin(ledgerLines, eq(ledgerLines.journalEntryId, journalEntries.id))
      .where(or(eq(journalEntries.idempotencyKey, `refund:${objectId}`), like(journalEntries.idempotencyKey, `refund:${objectId}:%`), like(journalEntries.idempotencyKey, `dispute:${objectId}:%`)));
    const byKey = new Map<string, { account: string; org: string | null; amount: bigint }[]>();
    for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), { account: r.account, org: r.org, amount: r.amount }].sort((a, b) => a.account.localeCompare(b.account)));
    return byKey;
  }
  /** One balanced entry: the buyer's balance moves by `buyer_delta`, Stripe clearing by the opposite. */
  const lines = (organizationId: string, buyer_delta: bigint) => [
    { account: "buyer_balance", org: organizationId, amount: buyer_delta },
    { account: "stripe_clearing", org: null, amount: -buyer_delta },
  ];
  const eventsOf = (objectId: string, type?: string) => fake.events().filter((e) => (!type || e.type === type) && (e.data.object as { id?: string }).id === objectId);

  it("a full refund takes the whole top-up back once, balanced against Stripe clearing", async () => {
    const buyer = await paidBuyer("20");
    const refund = await fake.refund(buyer.chargeId);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(0n);
    expect(await entriesOf(refund.id)).toEqual(new Map([[`refund:${refund.id}`, lines(buyer.organizationId, -usd("20"))]]));
    // Both ways in ran: charge.refunded (lists the charge's refunds) and refund.created.
    const handled = await db().select({ type: stripeEvents.type, status: stripeEvents.status }).from(stripeEvents).where(or(eq(stripeEvents.objectId, buyer.chargeId), eq(stripeEvents.objectId, refund.id)));
    expect(handled.filter((e) => e.type === "charge.refunded" || e.type === "refund.created").map((e) => `${e.type}:${e.status}`).sort()).toEqual(["charge.refunded:processed", "refund.created:processed"]);
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
    expect((await entriesOf(first.id)).get(`refund:${first.id}`)).toEqual(lines(buyer.organizationId, -usd("3")));
    expect((await entriesOf(second.id)).get(`refund:${second.id}`)).toEqual(lines(buyer.organizationId, -usd("2.50")));
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
    for (const e of eventsOf(refund.id)) expect(await fake.resend(e.id)).toBe(200);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    const entries = await entriesOf(refund.id);
    expect(entries).toEqual(
      new Map([
        [`refund:${refund.id}`, lines(buyer.organizationId, -usd("5"))],
        [`refund:${refund.id}:reversed`, lines(buyer.organizationId, usd("5"))],
      ]),
    );
    const [row] = await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.id, refund.id));
    expect(row).toMatchObject({ kind: "refund", status: "failed", amountNanos: usd("5"), organizationId: buyer.organizationId });
  });

  it("a refund first seen after it failed nets to nothing, and an older read never overwrites the row", async () => {
    const buyer = await paidBuyer("20");
    fake.delivery.auto = false;
    const refund = await fake.refund(buyer.chargeId, 900);
    await fake.failRefund(refund.id);
    // Both entries at once: a handler still holding an earlier (pending) read can then only repeat `refund:<re>`.
    expect(await applyRefund(svc(), refund.id)).toMatchObject({ outcome: "applied", status: "failed", posted: [`refund:${refund.id}`, `refund:${refund.id}:reversed`] });
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    const [row] = await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.id, refund.id));
    await db().transaction((tx) => recordAdjustment(tx, { id: refund.id, kind: "refund", organizationId: buyer.organizationId, topUpId: null, stripeChargeId: buyer.chargeId, amount_nanos: usd("9"), status: "pending", reason: null, stripeCreatedAt: row!.stripeCreatedAt, read_at: new Date(row!.updatedAt.getTime() - 1) }));
    expect((await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.id, refund.id)))[0]).toMatchObject({ status: "failed", topUpId: buyer.topUpId });
    fake.delivery.auto = true;
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
  });

  it("Stripe failing during applyRefund throws for a retry and posts nothing; the retry posts once", async () => {
    const buyer = await paidBuyer("20");
    fake.delivery.auto = false;
    const refund = await fake.refund(buyer.chargeId, 700);
    fake.failNext({ method: "GET", path: /^\/v1\/refunds\// }, 1, "500");
    await expect(applyRefund(svc(), refund.id)).rejects.toThrow();
    expect(await entriesOf(refund.id)).toEqual(new Map());
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    expect(await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.id, refund.id))).toEqual([]);
    expect(await applyRefund(svc(), refund.id)).toMatchObject({ outcome: "applied", organizationId: buyer.organizationId, status: "succeeded", posted: [`refund:${refund.id}`] });
    expect(await applyRefund(svc(), refund.id)).toMatchObject({ outcome: "applied", posted: [] });
    // The held webhooks (twice each, shuffled) arrive afterwards and change nothing.
    fake.delivery.auto = true;
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("13"));
    expect([...(await entriesOf(refund.id)).keys()]).toEqual([`refund:${refund.id}`]);
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
    expect([...(await entriesOf(first.refundId)).keys()]).toEqual([`refund:${first.refundId}`]);
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
    expect(await entriesOf(refund.id)).toEqual(new Map());
    const events = await db().select({ status: stripeEvents.status }).from(stripeEvents).where(eq(stripeEvents.objectId, refund.id));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.status === "processed")).toBe(true);
  });

  it("a refund turns auto top-up off (the card is not charged again at once); a dispute also forgets the card", async () => {
    const autoTopUps = (organizationId: string) => db().select().from(topUps).where(and(eq(topUps.organizationId, organizationId), eq(topUps.kind, "auto")));
    const refunded = await paidBuyer("20");
    await updateAutoTopUpSettings(svc(), { organizationId: refunded.organizationId, enabled: true, threshold_nanos: usd("5"), amount_nanos: usd("20") });
    await fake.refund(refunded.chargeId);
    await delivered();
    expect(await balance(refunded.organizationId)).toBe(0n);
    expect(await getAutoTopUpSettings(svc(), refunded.organizationId)).toMatchObject({ enabled: false, has_payment_method: true, disabled_reason: expect.stringMatching(/refund/i) });
    expect(await runAutoTopUp(svc(), { organizationId: refunded.organizationId })).toMatchObject({ outcome: "not_needed" });
    expect(await autoTopUps(refunded.organizationId)).toEqual([]);

    const disputed = await paidBuyer("20");
    await updateAutoTopUpSettings(svc(), { organizationId: disputed.organizationId, enabled: true, threshold_nanos: usd("10"), amount_nanos: usd("20") });
    await fake.openDispute(disputed.chargeId, 1500);
    await delivered();
    expect(await getAutoTopUpSettings(svc(), disputed.organizationId)).toMatchObject({ enabled: false, has_payment_method: false, disabled_reason: expect.stringMatching(/disputed/) });
    expect(await runAutoTopUp(svc(), { organizationId: disputed.organizationId })).toMatchObject({ outcome: "not_needed" });
    expect(await autoTopUps(disputed.organizationId)).toEqual([]);
    await fake.closeDispute((await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.organizationId, disputed.organizationId)))[0]!.id, "lost");
  });

  it("a lost dispute withdraws the disputed amount once and keeps it", async () => {
    const buyer = await paidBuyer("20");
    const dispute = await fake.openDispute(buyer.chargeId, 1500);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("5"));
    await fake.closeDispute(dispute.id, "lost");
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("5"));
    expect(await entriesOf(dispute.id)).toEqual(new Map([[`dispute:${dispute.id}:withdrawn`, lines(buyer.organizationId, -usd("15"))]]));
    expect(await listPaymentAdjustments(svc(), { organizationId: buyer.organizationId, limit: 10 })).toEqual([
      { id: dispute.id, kind: "dispute", amount_nanos: usd("15"), status: "lost", reason: dispute.reason, created_at: new Date(dispute.created * 1000), top_up_id: buyer.topUpId },
    ]);
  });

  it("a won dispute withdraws, then reinstates, exactly once each", async () => {
    const buyer = await paidBuyer("20");
    const dispute = await fake.openDispute(buyer.chargeId);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(0n);
    await fake.closeDispute(dispute.id, "won");
    await delivered();
    // Every event of the dispute once more, as Stripe's "resend" would: nothing moves again.
    for (const e of eventsOf(dispute.id)) expect(await fake.resend(e.id)).toBe(200);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    expect(await entriesOf(dispute.id)).toEqual(
      new Map([
        [`dispute:${dispute.id}:withdrawn`, lines(buyer.organizationId, -usd("20"))],
        [`dispute:${dispute.id}:reinstated`, lines(buyer.organizationId, usd("20"))],
      ]),
    );
    const [row] = await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.id, dispute.id));
    expect(row).toMatchObject({ kind: "dispute", status: "won", amountNanos: usd("20") });
  });

  it("converges when `closed` arrives before `funds_reinstated` (and before `created`)", async () => {
    const buyer = await paidBuyer("20");
    fake.delivery.auto = false;
    const dispute = await fake.openDispute(buyer.chargeId, 800);
    await fake.closeDispute(dispute.id, "won");
    const [closed] = eventsOf(dispute.id, "charge.dispute.closed");
    expect(await fake.resend(closed!.id)).toBe(200);
    await mp.stripeIdle();
    // The re-read dispute already shows both balance transactions: withdrawal and reinstatement are in.
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    expect([...(await entriesOf(dispute.id)).keys()].sort()).toEqual([`dispute:${dispute.id}:reinstated`, `dispute:${dispute.id}:withdrawn`]);
    fake.delivery.auto = true;
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    expect(await entriesOf(dispute.id)).toEqual(
      new Map([
        [`dispute:${dispute.id}:withdrawn`, lines(buyer.organizationId, -usd("8"))],
        [`dispute:${dispute.id}:reinstated`, lines(buyer.organizationId, usd("8"))],
      ]),
    );
    const [row] = await db().select().from(paymentAdjustments).where(eq(paymentAdjustments.id, dispute.id));
    expect(row!.status).toBe("won");
  });

  it("Stripe failing during applyDispute throws for a retry and posts nothing", async () => {
    const buyer = await paidBuyer("20");
    fake.delivery.auto = false;
    const dispute = await fake.openDispute(buyer.chargeId, 1000);
    fake.failNext({ method: "GET", path: /^\/v1\/disputes\// }, 1, "500");
    await expect(applyDispute(svc(), dispute.id)).rejects.toThrow();
    expect(await entriesOf(dispute.id)).toEqual(new Map());
    expect(await applyDispute(svc(), dispute.id)).toMatchObject({ outcome: "applied", status: dispute.status, posted: [`dispute:${dispute.id}:withdrawn`] });
    fake.delivery.auto = true;
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("10"));
  });
});
