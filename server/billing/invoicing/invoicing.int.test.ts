import { and, eq, gte, like, lt, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, meterOutbox, organizationBilling, stripeCustomers, stripeInvoices } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { centsToNanos, divRoundHalfUp, usdToNanos } from "../../../lib/money";
import { createTopUp } from "../top-ups/create-top-up";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { acquireLease } from "../../leader-lease";
import { accountBalanceNanos } from "../balances";
import type { RequestOutcome } from "../request-outcome";
import { reserveFunds } from "../reserve-funds";
import { settleBatch } from "../settle-batch";
import type { StripeBilling } from "../stripe/client";
import { METER_PUSH_LEASE_NAME } from "../../../workers/meter-push";
import { PAST_DUE_MESSAGE } from "./billing-terms";
import { HOUR_MS, hourStartUtc } from "./meter-outbox";
import { claimMeterRows, closeDueMeterRows, pushMeterOutbox, sendMeterRow, STUCK_TOO_OLD, STUCK_UNCONFIRMED } from "./push-meter-outbox";
import { setOrganizationBilling } from "./set-organization-billing";
import { ledgerSumNanos } from "../../../test/ledger";

describe.each(DB_KINDS)("invoiced organizations through Stripe on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  let provider: string;
  let buyer: { organizationId: string; apiKeyId: string };
  let customer: string;
  let subscriptionId: string;
  const H = hourStartUtc(new Date());
  const hour = (n: number, minute = 0) => new Date(H.getTime() + n * HOUR_MS + minute * 60_000);
  // The pusher's clock: fixed inside hour 0, so a run that crosses the top of a real hour closes no extra row.
  const NOW = hour(0, 30);

  beforeAll(async () => {
    fake = await startFakeStripe();
    mp = await startTestMarketplace(kind, { env: fake.env(), verification: "trust" });
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    // Every event twice, in shuffled order.
    fake.delivery.duplicates = 1;
    fake.delivery.shuffle = true;
    // The test takes the push worker's lead, so only its own explicit pushes (with an injected clock) run.
    expect(await acquireLease(db(), { name: METER_PUSH_LEASE_NAME, holder: "invoicing-test", ttl_ms: 3_600_000 })).toBe(true);
    provider = (await mp.createProvider()).organizationId;
    buyer = await mp.createBuyer({ credit_usd: "0" });
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });
  afterEach(async () => {
    await delivered();
    expect(await ledgerSumNanos(db()), "the ledger balances").toBe(0n);
  });

  const svc = () => mp.server.runtime.services;
  const db = () => mp.server.runtime.database.db;
  const stripe = (): { db: ReturnType<typeof db>; stripe: StripeBilling } => ({ db: db(), stripe: svc().stripe! });
  const delivered = async () => {
    await fake.flushWebhooks();
    await mp.stripeIdle();
  };

  let n = 0;
  const outcome = (completedAt: Date): RequestOutcome => {
    n++;
    const ms = 700 + ((n * 7919) % 4000);
    return {
      requestId: newId("request"), organizationId: buyer.organizationId, apiKeyId: buyer.apiKeyId, offerId: "off_x", machineId: "mach_x", providerOrganizationId: provider,
      modelId: "m", hardwareClass: "cpu", endpoint: "chat.completions", stream: false, status: "completed", errorCode: null,
      price_nanos_per_second: 1_234_567n + BigInt(n * 31), bid_nanos_per_second: null, compute_ms: ms, served_ms: null, quote_ms: null, billed_ms: ms,
      ttft_ms: 5, prompt_tokens: 1, completion_tokens: 1, dispatchedAt: new Date(completedAt.getTime() - ms), completedAt, hold: "lease",
    };
  };
  const settle = (...at: Date[]) => settleBatch(svc(), at.map(outcome));

  /** −(buyer_balance settlement lines) in [from, to): what the meter must have received for the period. */
  async function ledgerCost(from: Date, to: Date): Promise<bigint> {
    const [row] = await db()
      .select({ total: sql<string>`coalesce(-sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(and(eq(ledgerLines.account, "buyer_balance"), eq(ledgerLines.organizationId, buyer.organizationId), eq(journalEntries.kind, "request_settlement"), gte(ledgerLines.createdAt, from), lt(ledgerLines.createdAt, to)));
    return BigInt(row!.total);
  }
  /** The fake's accepted (deduplicated) meter values for the buyer's customer in [from, to). */
  const meterTotal = (from: Date, to: Date) =>
    fake
      .meterEvents()
      .filter((e) => e.payload.stripe_customer_id === customer && e.timestamp * 1000 >= from.getTime() && e.timestamp * 1000 < to.getTime())
      .reduce((s, e) => s + BigInt(e.payload.value!), 0n);
  const rows = () => db().select().from(meterOutbox).where(eq(meterOutbox.organizationId, buyer.organizationId)).orderBy(meterOutbox.hourStart, meterOutbox.seq);
  const billing = async () => (await db().select().from(organizationBilling).where(eq(organizationBilling.organizationId, buyer.organizationId)))[0]!;

  it("marks an organization invoiced with one subscription, even when asked twice at once", async () => {
    const input = { organizationId: buyer.organizationId, mode: "invoiced" as const, credit_limit_nanos: usdToNanos("5") };
    const [a, b] = await Promise.all([setOrganizationBilling(svc(), input), setOrganizationBilling(svc(), input)]);
    expect(a.stripe_subscription_id).toMatch(/^sub_/);
    expect(b.stripe_subscription_id).toBe(a.stripe_subscription_id);
    subscriptionId = a.stripe_subscription_id!;
    customer = (await db().select().from(stripeCustomers).where(eq(stripeCustomers.organizationId, buyer.organizationId)))[0]!.stripeCustomerId;
    const again = await setOrganizationBilling(svc(), { ...input, credit_limit_nanos: usdToNanos("10") });
    expect(again).toMatchObject({ mode: "invoiced", credit_limit_nanos: usdToNanos("10"), standing: "good", stripe_subscription_id: subscriptionId });
    const subs = await fake.client().subscriptions.list({ customer, status: "all" });
    expect(subs.data.map((s) => s.id)).toEqual([subscriptionId]);
    expect(subs.data[0]!.items.data[0]!.price.id).toBe(fake.meteredPriceId);
    // The invoice Stripe issues for a new subscription ($0) moves no money.
    await delivered();
    expect(await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId)).toBe(0n);
    await expect(setOrganizationBilling(svc(), { ...input, credit_limit_nanos: -1n })).rejects.toThrow();
  });

  it("pushes each closed hour once, and the meter total equals the ledger's cost exactly", async () => {
    await settle(hour(-3, 1), hour(-3, 59), hour(-2, 0), hour(-2, 30), hour(-2, 45), hour(0, 0));
    const first = await pushMeterOutbox(stripe(), NOW);
    expect(first).toMatchObject({ delivered: 2, failed: 0, stuck: 0 });
    expect(meterTotal(hour(-3), hour(-1))).toBe(await ledgerCost(hour(-3), hour(-1)));
    expect(meterTotal(hour(-3), hour(-1))).toBeGreaterThan(0n);
    const events = fake.meterEvents().filter((e) => e.payload.stripe_customer_id === customer);
    expect(events.map((e) => e.timestamp * 1000).sort()).toEqual([hour(-3).getTime(), hour(-2).getTime()]);
    expect(events.every((e) => e.event_name === "spotlane_usage_nanos")).toBe(true);
    // Pushing again sends nothing; the current hour stays open until it is over.
    expect(await pushMeterOutbox(stripe(), NOW)).toMatchObject({ delivered: 0, failed: 0 });
    expect((await rows()).map((r) => r.status)).toEqual(["delivered", "delivered", "open"]);
  });

  it("exactly once across a crash between the push and its mark, and late usage goes out under a new identifier", async () => {
    // Late usage into hour -2 (already delivered): a new row, seq 1.
    await settle(hour(-2, 50), hour(-2, 51));
    const accepted = fake.meterEvents().length;
    // The push reaches Stripe, then the connection dies before the answer: the pusher cannot know it landed.
    // Twice: the SDK retries a closed connection once by itself (same idempotency key, so a replay).
    fake.failNext({ method: "POST", path: /^\/v1\/billing\/meter_events$/ }, 2, "reset_after");
    const t0 = NOW;
    expect(await pushMeterOutbox(stripe(), t0)).toMatchObject({ delivered: 0, failed: 1 });
    expect(fake.meterEvents().length).toBe(accepted + 1);
    const [late] = (await rows()).filter((r) => r.seq === 1);
    expect(late).toMatchObject({ status: "sending", attempts: 1, identifier: `${buyer.organizationId}:${hour(-2).toISOString()}:1` });
    expect(late!.firstSentAt).not.toBeNull();
    // Retried after the backoff: Stripe says duplicate, which is delivered; Stripe's total is unchanged.
    expect(await pushMeterOutbox(stripe(), new Date(t0.getTime() + 31_000))).toMatchObject({ delivered: 1, failed: 0 });
    expect(fake.meterEvents().length).toBe(accepted + 1);

    // kill -9 after the send: claimed and pushed, nothing recorded; the claim lapses and the next pusher finds a duplicate.
    await settle(hour(-2, 52));
    const t1 = new Date(NOW.getTime() + 2 * 60_000);
    expect(await closeDueMeterRows(db(), t1)).toBe(1);
    const [claimed] = await claimMeterRows(db(), t1);
    expect(claimed!.identifier.endsWith(":2")).toBe(true);
    expect(await sendMeterRow(svc().stripe!, claimed!)).toEqual({ ok: true });
    expect(await pushMeterOutbox(stripe(), new Date(t1.getTime() + 60_000))).toMatchObject({ delivered: 0 });
    expect(await pushMeterOutbox(stripe(), new Date(t1.getTime() + 6 * 60_000))).toMatchObject({ delivered: 1 });
    expect(fake.meterEvents().length).toBe(accepted + 2);
    expect(meterTotal(hour(-3), hour(-1))).toBe(await ledgerCost(hour(-3), hour(-1)));
  });

  it("a row not confirmed within 23 h of its first push is stuck and never re-sent; usage older than 35 days is stuck too", async () => {
    await settle(hour(-1, 10));
    fake.failNext({ method: "POST", path: /^\/v1\/billing\/meter_events$/ }, 1, "500");
    const t0 = new Date(hour(0, 2).getTime());
    expect(await pushMeterOutbox(stripe(), t0)).toMatchObject({ failed: 1 });
    const accepted = fake.meterEvents().length;
    const later = new Date(t0.getTime() + 23 * HOUR_MS + 60_000);
    const out = await pushMeterOutbox(stripe(), later);
    expect(out.stuck).toBeGreaterThanOrEqual(1);
    const [stuck] = (await rows()).filter((r) => r.hourStart.getTime() === hour(-1).getTime());
    expect(stuck).toMatchObject({ status: "stuck", lastError: STUCK_UNCONFIRMED, attempts: 1 });
    expect(fake.meterEvents().some((e) => e.identifier === stuck!.identifier)).toBe(false);
    await pushMeterOutbox(stripe(), new Date(later.getTime() + HOUR_MS));
    expect(fake.meterEvents().some((e) => e.identifier === stuck!.identifier)).toBe(false);
    expect(fake.meterEvents().length).toBeLessThanOrEqual(accepted + 1);

    const old = new Date(Date.now() - 40 * 24 * HOUR_MS);
    await settle(old);
    await pushMeterOutbox(stripe(), new Date());
    const [tooOld] = (await rows()).filter((r) => r.hourStart.getTime() === hourStartUtc(old).getTime());
    expect(tooOld).toMatchObject({ status: "stuck", lastError: STUCK_TOO_OLD, attempts: 0 });
    expect(fake.meterEvents().some((e) => e.identifier === tooOld!.identifier)).toBe(false);
  });

  it("a failed invoice makes the organization past due (402 at admission) until it is paid; paid credits the balance once", async () => {
    const usage = meterTotal(new Date(0), new Date(8.64e15));
    const before = await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId);
    const invoice = await fake.invoiceSubscription(subscriptionId, "payment_failed");
    // Stripe bills the meter at 0.0000001 cents per nano-USD, rounded half-up to a cent.
    expect(BigInt(invoice.amount_due)).toBe(divRoundHalfUp(usage, 10_000_000n));
    await delivered();
    expect(await billing()).toMatchObject({ standing: "past_due", standingReason: expect.stringContaining(invoice.id) });
    const [row] = await db().select().from(stripeInvoices).where(eq(stripeInvoices.id, invoice.id));
    expect(row).toMatchObject({ status: "open", attempted: true, amountDueNanos: centsToNanos(invoice.amount_due), amountPaidNanos: 0n });
    const refused = reserveFunds(svc(), { organizationId: buyer.organizationId, apiKeyId: buyer.apiKeyId, monthly_spend_limit_nanos: null, requestId: newId("request"), amount_nanos: 1n });
    await expect(refused).rejects.toMatchObject({ code: "insufficient_balance", message: PAST_DUE_MESSAGE });
    expect(await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId)).toBe(before);

    await fake.payInvoice(invoice.id, "paid");
    await delivered();
    expect(await billing()).toMatchObject({ standing: "good", standingReason: null });
    const paidEvent = fake.events().find((e) => e.type === "invoice.paid" && (e.data.object as { id?: string }).id === invoice.id)!;
    expect(await fake.resend(paidEvent.id)).toBe(200);
    await delivered();
    const entries = await db().select().from(journalEntries).where(like(journalEntries.idempotencyKey, `invoice:${invoice.id}:%`));
    expect(entries.map((e) => e.idempotencyKey)).toEqual([`invoice:${invoice.id}:paid`]);
    expect(await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId)).toBe(before + centsToNanos(invoice.amount_due));
    const [paid] = await db().select().from(stripeInvoices).where(eq(stripeInvoices.id, invoice.id));
    expect(paid).toMatchObject({ status: "paid", amountPaidNanos: centsToNanos(invoice.amount_due) });
    await reserveFunds(svc(), { organizationId: buyer.organizationId, apiKeyId: buyer.apiKeyId, monthly_spend_limit_nanos: null, requestId: newId("request"), amount_nanos: 1n });
  });
  it("another product billed to the same customer is not inference credit, and an invoiced organization buys no prepaid credit", async () => {
    const before = await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId);
    const foreign = await fake.client().subscriptions.create({ customer, items: [{ price: fake.meteredPriceId }] });
    await fake.client().billing.meterEvents.create({ event_name: "spotlane_usage_nanos", payload: { stripe_customer_id: customer, value: "50000000000" }, identifier: "another-product-1" });
    const invoice = await fake.invoiceSubscription(foreign.id, "paid");
    expect(invoice.amount_paid).toBeGreaterThan(0);
    await delivered();
    expect(await accountBalanceNanos(db(), "buyer_balance", buyer.organizationId)).toBe(before);
    expect(await db().select().from(stripeInvoices).where(eq(stripeInvoices.id, invoice.id))).toEqual([]);
    await expect(createTopUp(svc(), { organizationId: buyer.organizationId, userId: "user_invoiced", amount_nanos: usdToNanos("20") })).rejects.toMatchObject({ code: "conflict" });
  });
});
