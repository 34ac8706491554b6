import { eq, like, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, paymentAdjustments, topUps } from "../../../db/schema";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { accountBalanceNanos } from "../balances";
import { createTopUp } from "../top-ups/create-top-up";
import { applyDispute } from "./apply-dispute";
import { listPaymentAdjustments } from "./list-payment-adjustments";

describe.each(DB_KINDS)("disputes through Stripe on %s", (kind) => {
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

  async function paidBuyer(amount: string) {
    const { organizationId } = await mp.createBuyer({ credit_usd: "0" });
    const { topUpId } = await createTopUp(svc(), { organizationId, userId: "user_dispute_test", amount_nanos: usd(amount) });
    const [pending] = await db().select().from(topUps).where(eq(topUps.id, topUpId));
    expect((await fake.payCheckout(pending!.stripeCheckoutSessionId!, "card")).error).toBeNull();
    await delivered();
    const [paid] = await db().select().from(topUps).where(eq(topUps.id, topUpId));
    expect(paid).toMatchObject({ status: "paid", stripeChargeId: expect.stringMatching(/^ch_/) });
    return { organizationId, topUpId, chargeId: paid!.stripeChargeId! };
  }

  /** key → lines of the dispute's journal entries. */
  async function disputeEntries(disputeId: string) {
    const rows = await db()
      .select({ key: journalEntries.idempotencyKey, account: ledgerLines.account, org: ledgerLines.organizationId, amount: ledgerLines.amountNanos })
      .from(journalEntries)
      .innerJoin(ledgerLines, eq(ledgerLines.journalEntryId, journalEntries.id))
      .where(like(journalEntries.idempotencyKey, `dispute:${disputeId}:%`));
    const byKey = new Map<string, { account: string; org: string | null; amount: bigint }[]>();
    for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), { account: r.account, org: r.org, amount: r.amount }].sort((a, b) => a.account.localeCompare(b.account)));
    return byKey;
  }
  const lines = (organizationId: string, buyer_delta: bigint) => [
    { account: "buyer_balance", org: organizationId, amount: buyer_delta },
    { account: "stripe_clearing", org: null, amount: -buyer_delta },
  ];
  const eventsOf = (disputeId: string, type: string) => fake.events().filter((e) => e.type === type && (e.data.object as { id?: string }).id === disputeId);

  it("a lost dispute withdraws the disputed amount once and keeps it", async () => {
    const buyer = await paidBuyer("20");
    const dispute = await fake.openDispute(buyer.chargeId, 1500);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("5"));
    await fake.closeDispute(dispute.id, "lost");
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("5"));
    expect(await disputeEntries(dispute.id)).toEqual(new Map([[`dispute:${dispute.id}:withdrawn`, lines(buyer.organizationId, -usd("15"))]]));
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
    for (const e of fake.events().filter((e) => (e.data.object as { id?: string }).id === dispute.id)) expect(await fake.resend(e.id)).toBe(200);
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    expect(await disputeEntries(dispute.id)).toEqual(
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
    expect([...(await disputeEntries(dispute.id)).keys()].sort()).toEqual([`dispute:${dispute.id}:reinstated`, `dispute:${dispute.id}:withdrawn`]);
    fake.delivery.auto = true;
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("20"));
    expect(await disputeEntries(dispute.id)).toEqual(
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
    expect(await disputeEntries(dispute.id)).toEqual(new Map());
    expect(await applyDispute(svc(), dispute.id)).toMatchObject({ outcome: "applied", status: dispute.status, posted: [`dispute:${dispute.id}:withdrawn`] });
    fake.delivery.auto = true;
    await delivered();
    expect(await balance(buyer.organizationId)).toBe(usd("10"));
  });
});
