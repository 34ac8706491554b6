import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoTopUpSettings, journalEntries, ledgerLines, topUps, users } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { createOrganizationForUser } from "../../auth/create-organization";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import type { JobQueue } from "../../jobs/queue";
import { createLogger } from "../../logger";
import { accountBalanceNanos } from "../balances";
import { STRIPE_EVENT_HANDLERS } from "../stripe/handlers";
import type { StripeEventHandler, StripeHandlerContext } from "../stripe/handlers/types";
import { createTopUp } from "./create-top-up";
import { fulfilCheckoutSession } from "./fulfil-checkout-session";

/**
 * Checkout top-ups against the in-repo fake Stripe, on both databases: every checkout.session.* event is fed
 * to its registered handler twice, shuffled and concurrently, and the ledger is checked to the nano.
 */
describe.each(DB_KINDS)("checkout top-ups on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  let services: ServiceContext;
  let hctx: StripeHandlerContext;

  beforeAll(async () => {
    fake = await startFakeStripe();
    // Handlers are called directly here (the webhook pipeline has its own tests): no delivery.
    fake.setWebhookUrl(null);
    fake.delivery.auto = false;
    mp = await startTestMarketplace(kind, { env: fake.env(), verification: "trust" });
    services = mp.server.runtime.services;
    hctx = { services: services as StripeHandlerContext["services"], jobs: mp.server.runtime.jobs as JobQueue, logger: createLogger({ level: "silent" }) };
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  const newOrg = async () => {
    const userId = newId("user");
    await services.db.insert(users).values({ id: userId, name: "lead", email: `${userId}@test.local` });
    // The sign-up path's own credit: in Stripe mode the marketplace grants none.
    const { organizationId } = await createOrganizationForUser(services.db, { userId, name: "team", roles: "admin", testCreditNanos: services.test_credit_nanos });
    return { organizationId, userId };
  };
  const sessionOf = async (topUpId: string) => {
    const [row] = await services.db.select().from(topUps).where(eq(topUps.id, topUpId));
    return row!;
  };
  let seed = 7;
  const shuffle = <T>(xs: T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  const dispatch = async (event: Stripe.Event) => {
    const handler = STRIPE_EVENT_HANDLERS[event.type] as StripeEventHandler<Stripe.Event.Type> | undefined;
    if (!handler) throw new Error(`no handler for ${event.type}`);
    await handler(hctx, event);
  };
  /** The checkout.session.* events since `from`, each delivered twice, shuffled, all at once. */
  const deliverCheckoutEvents = async (from: number) => {
    const events = fake.events().slice(from).filter((e) => e.type.startsWith("checkout.session."));
    await Promise.all(shuffle([...events, ...events]).map(dispatch));
    return events.map((e) => e.type);
  };
  /** Every line of the top-up's journal entries, and the org's buyer balance. */
  const ledgerOf = async (topUpId: string, organizationId: string) => {
    const lines = await services.db
      .select({ key: journalEntries.idempotencyKey, account: ledgerLines.account, org: ledgerLines.organizationId, amount: ledgerLines.amountNanos })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(eq(journalEntries.idempotencyKey, `top_up:${topUpId}`));
    return { lines, balance: await accountBalanceNanos(services.db, "buyer_balance", organizationId) };
  };
  const expectCreditedOnce = async (topUpId: string, organizationId: string, amount_nanos: bigint) => {
    const { lines, balance } = await ledgerOf(topUpId, organizationId);
    expect(lines.sort((a, b) => a.account.localeCompare(b.account))).toEqual([
      { key: `top_up:${topUpId}`, account: "buyer_balance", org: organizationId, amount: amount_nanos },
      { key: `top_up:${topUpId}`, account: "stripe_clearing", org: null, amount: -amount_nanos },
    ]);
    expect(balance).toBe(amount_nanos);
  };

  it("runs in Stripe mode: new organizations get no test credit", async () => {
    expect(services.test_credit_nanos).toBe(0n);
    const { organizationId } = await newOrg();
    expect(await accountBalanceNanos(services.db, "buyer_balance", organizationId)).toBe(0n);
    const grants = await services.db.select().from(ledgerLines).where(and(eq(ledgerLines.organizationId, organizationId)));
    expect(grants).toEqual([]);
  });

  it("a card payment is credited exactly once, however often and in whatever order its events arrive", async () => {
    const { organizationId, userId } = await newOrg();
    const amount_nanos = usdToNanos("20");
    const { topUpId, checkout_url } = await createTopUp(services, { organizationId, userId, amount_nanos });
    const row = await sessionOf(topUpId);
    expect(row).toMatchObject({ status: "pending", kind: "checkout", amountNanos: amount_nanos, checkoutUrl: checkout_url });
    const session = await fake.client().checkout.sessions.retrieve(row.stripeCheckoutSessionId!, { expand: ["line_items"] });
    expect(session).toMatchObject({ mode: "payment", client_reference_id: topUpId, amount_total: 2000, currency: "usd", metadata: { organization_id: organizationId, top_up_id: topUpId } });
    expect(session.line_items!.data[0]!.description).toBe("Spotlane prepaid credit");
    expect(session.success_url).toBe(`${services.base_url}/dashboard/billing?top_up=${topUpId}&session_id={CHECKOUT_SESSION_ID}`);

    const from = fake.events().length;
    const paid = await fake.payCheckout(session.id, "card");
    expect(paid.error).toBeNull();
    expect(paid.redirect_url).toContain(`session_id=${session.id}`);
    expect(await deliverCheckoutEvents(from)).toContain("checkout.session.completed");
    await deliverCheckoutEvents(from); // and the whole lot once more, as a resend would

    await expectCreditedOnce(topUpId, organizationId, amount_nanos);
    const after = await sessionOf(topUpId);
    expect(after.status).toBe("paid");
    expect(after.creditedAt).not.toBeNull();
    expect(after.stripePaymentIntentId).toMatch(/^pi_/);
    expect(after.stripeChargeId).toMatch(/^ch_/);
    expect(after.receiptUrl).toMatch(/^https?:\/\//);
    // The card Checkout saved for off-session use is kept for auto top-up (which stays off until opted in).
    const [settings] = await services.db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.organizationId, organizationId));
    expect(settings).toMatchObject({ enabled: false, stripePaymentMethodId: expect.stringMatching(/^pm_/) });
  });

  it("ten concurrent fulfils of one paid session credit it once", async () => {
    const { organizationId, userId } = await newOrg();
    const amount_nanos = usdToNanos("12.34");
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    await fake.payCheckout(sessionId, "card");
    const results = await Promise.all(Array.from({ length: 10 }, () => fulfilCheckoutSession(services, { checkoutSessionId: sessionId })));
    expect(results.filter((r) => r!.credited_now)).toHaveLength(1);
    expect(results.every((r) => r!.topUpId === topUpId && r!.status === "paid")).toBe(true);
    await expectCreditedOnce(topUpId, organizationId, amount_nanos);
  });

  it("the success URL credits before the webhook, and the webhook then changes nothing; other organizations are refused", async () => {
    const { organizationId, userId } = await newOrg();
    const other = await newOrg();
    const amount_nanos = usdToNanos("7.5");
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    const from = fake.events().length;
    const { redirect_url } = await fake.payCheckout(sessionId, "card");
    const landed = new URL(redirect_url!).searchParams;
    expect(landed.get("top_up")).toBe(topUpId);

    // Another organization's viewer learns nothing and moves nothing, paid or not.
    await expect(fulfilCheckoutSession(services, { checkoutSessionId: landed.get("session_id")!, organizationId: other.organizationId })).rejects.toMatchObject({ code: "not_found" });
    await expect(fulfilCheckoutSession(services, { checkoutSessionId: "cs_test_nope", organizationId })).rejects.toMatchObject({ code: "not_found" });
    await expect(fulfilCheckoutSession(services, { checkoutSessionId: "not a session", organizationId })).rejects.toBeInstanceOf(ServiceError);
    expect((await sessionOf(topUpId)).status).toBe("pending");

    expect(await fulfilCheckoutSession(services, { checkoutSessionId: landed.get("session_id")!, organizationId })).toEqual({ topUpId, status: "paid", credited_now: true });
    await deliverCheckoutEvents(from);
    expect(await fulfilCheckoutSession(services, { checkoutSessionId: sessionId, organizationId })).toEqual({ topUpId, status: "paid", credited_now: false });
    await expectCreditedOnce(topUpId, organizationId, amount_nanos);
  });

  it("an async bank payment stays pending when completed unpaid, then is credited when it settles", async () => {
    const { organizationId, userId } = await newOrg();
    const amount_nanos = usdToNanos("50");
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    let from = fake.events().length;
    await fake.payCheckout(sessionId, "async_bank");
    expect(await deliverCheckoutEvents(from)).toContain("checkout.session.completed");
    expect((await sessionOf(topUpId)).status).toBe("pending");
    expect((await ledgerOf(topUpId, organizationId)).lines).toEqual([]);

    from = fake.events().length;
    await fake.settleAsyncPayment(sessionId, "succeeded");
    expect(await deliverCheckoutEvents(from)).toContain("checkout.session.async_payment_succeeded");
    await expectCreditedOnce(topUpId, organizationId, amount_nanos);
  });

  it("an async bank payment that fails marks the top-up failed with Stripe's reason, and late events cannot revive it", async () => {
    const { organizationId, userId } = await newOrg();
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("50") });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    const from = fake.events().length;
    await fake.payCheckout(sessionId, "async_bank");
    await fake.settleAsyncPayment(sessionId, "failed");
    const types = await deliverCheckoutEvents(from);
    expect(types).toEqual(expect.arrayContaining(["checkout.session.completed", "checkout.session.async_payment_failed"]));
    const row = await sessionOf(topUpId);
    expect(row.status).toBe("failed");
    expect(row.failureReason).toBeTruthy();
    expect((await ledgerOf(topUpId, organizationId)).balance).toBe(0n);
  });

  it("an expired session marks the top-up expired", async () => {
    const { organizationId, userId } = await newOrg();
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("5") });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    const from = fake.events().length;
    await fake.expireCheckout(sessionId);
    expect(await deliverCheckoutEvents(from)).toEqual(["checkout.session.expired"]);
    expect(await sessionOf(topUpId)).toMatchObject({ status: "expired", failureReason: "The checkout expired before it was paid." });
    expect((await ledgerOf(topUpId, organizationId)).lines).toEqual([]);
  });

  it("a declined card on the hosted page leaves the top-up pending; paying again credits it", async () => {
    const { organizationId, userId } = await newOrg();
    const amount_nanos = usdToNanos("9.99");
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    const from = fake.events().length;
    const declined = await fake.payCheckout(sessionId, "card_declined");
    expect(declined.error).toBeTruthy();
    await deliverCheckoutEvents(from);
    expect(await fulfilCheckoutSession(services, { checkoutSessionId: sessionId })).toEqual({ topUpId, status: "pending", credited_now: false });
    expect((await ledgerOf(topUpId, organizationId)).lines).toEqual([]);

    const again = fake.events().length;
    await fake.payCheckout(sessionId, "card");
    await deliverCheckoutEvents(again);
    await expectCreditedOnce(topUpId, organizationId, amount_nanos);
  });

  it("a forged or stale event body changes nothing: the session is re-read from Stripe", async () => {
    const { organizationId, userId } = await newOrg();
    const amount_nanos = usdToNanos("10");
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    const open = await fake.client().checkout.sessions.retrieve(sessionId);
    const forged = (object: Stripe.Checkout.Session): Stripe.Event =>
      ({ id: newId("request").replace("req_", "evt_"), object: "event", type: "checkout.session.completed", api_version: null, created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } }) as unknown as Stripe.Event;

    // Claims paid (for far more) while Stripe says the session is still open: nothing is credited.
    await dispatch(forged({ ...open, status: "complete", payment_status: "paid", amount_total: 1_000_000 }));
    expect((await sessionOf(topUpId)).status).toBe("pending");
    // Claims expired: Stripe says open, so the top-up stays payable.
    await dispatch({ ...forged({ ...open, status: "expired" }), type: "checkout.session.expired" } as Stripe.Event);
    expect((await sessionOf(topUpId)).status).toBe("pending");

    await fake.payCheckout(sessionId, "card");
    await dispatch(forged({ ...open, status: "complete", payment_status: "paid", amount_total: 1_000_000 }));
    await expectCreditedOnce(topUpId, organizationId, amount_nanos);
  });

  it("a session that names a top-up for another amount is refused loudly and never credited", async () => {
    const { organizationId, userId } = await newOrg();
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("6") });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    await fake.payCheckout(sessionId, "card");
    // As if the row and the session disagreed (a bug, a hand edit): the amount Stripe charged is not the top-up's.
    await services.db.update(topUps).set({ amountNanos: usdToNanos("600") }).where(eq(topUps.id, topUpId));
    await expect(fulfilCheckoutSession(services, { checkoutSessionId: sessionId, logger: hctx.logger })).rejects.toMatchObject({ name: "TopUpMismatchError" });
    await expect(fulfilCheckoutSession(services, { checkoutSessionId: sessionId, organizationId, logger: hctx.logger })).rejects.toMatchObject({ code: "conflict" });
    expect((await sessionOf(topUpId)).status).toBe("pending");
    expect((await ledgerOf(topUpId, organizationId)).lines).toEqual([]);
  });

  it("sessions that are not Spotlane top-ups are ignored without an error", async () => {
    const before = await services.db.select({ n: sql<number>`count(*)::int` }).from(journalEntries);
    const stranger = await fake.client().checkout.sessions.create({ mode: "payment", line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 500, product_data: { name: "not ours" } } }], success_url: "https://example.com/ok", cancel_url: "https://example.com/no" });
    const from = fake.events().length;
    await fake.payCheckout(stranger.id, "card");
    expect(await deliverCheckoutEvents(from)).toContain("checkout.session.completed");
    expect(await fulfilCheckoutSession(services, { checkoutSessionId: stranger.id })).toBeNull();
    expect(await services.db.select({ n: sql<number>`count(*)::int` }).from(journalEntries)).toEqual(before);
  });

  it("Stripe down while fulfilling: the handler throws (the job retries) and nothing is credited until Stripe answers", async () => {
    const { organizationId, userId } = await newOrg();
    const amount_nanos = usdToNanos("15");
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos });
    const sessionId = (await sessionOf(topUpId)).stripeCheckoutSessionId!;
    const from = fake.events().length;
    await fake.payCheckout(sessionId, "card");
    const completed = fake.events().slice(from).find((e) => e.type === "checkout.session.completed")!;
    fake.failNext({ method: "GET", path: /^\/v1\/checkout\/sessions\/cs_/ }, 1, "500");
    await expect(dispatch(completed)).rejects.toThrow();
    // The SDK retries a reset connection once by itself (stripe-node#1040), so the reset must happen twice.
    fake.failNext({ method: "GET", path: /^\/v1\/checkout\/sessions\/cs_/ }, 2, "reset");
    await expect(dispatch(completed)).rejects.toThrow();
    expect((await sessionOf(topUpId)).status).toBe("pending");
    expect((await ledgerOf(topUpId, organizationId)).lines).toEqual([]);
    // The retry, once Stripe is back.
    await dispatch(completed);
    await expectCreditedOnce(topUpId, organizationId, amount_nanos);
  });

  it("end to end through the webhook endpoint and job queue: every event twice, shuffled, credited once", async () => {
    const { organizationId, userId } = await newOrg();
    const card = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("20") });
    const bank = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("3.33") + usdToNanos("5") });
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    Object.assign(fake.delivery, { auto: true, duplicates: 1, shuffle: true });
    try {
      const from = fake.events().length;
      await fake.payCheckout((await sessionOf(card.topUpId)).stripeCheckoutSessionId!, "card");
      await fake.payCheckout((await sessionOf(bank.topUpId)).stripeCheckoutSessionId!, "async_bank");
      await fake.flushWebhooks();
      await mp.stripeIdle();
      expect((await sessionOf(bank.topUpId)).status).toBe("pending");
      await fake.settleAsyncPayment((await sessionOf(bank.topUpId)).stripeCheckoutSessionId!, "succeeded");
      await fake.flushWebhooks();
      await mp.stripeIdle();

      const checkoutEvents = fake.events().slice(from).filter((e) => e.type.startsWith("checkout.session."));
      expect(checkoutEvents.length).toBeGreaterThanOrEqual(3);
      const answered = fake.deliveries().filter((d) => checkoutEvents.some((e) => e.id === d.eventId) && d.status !== null && d.status < 300);
      for (const e of checkoutEvents) expect(answered.filter((d) => d.eventId === e.id).length).toBeGreaterThanOrEqual(2);
      const { lines: cardLines } = await ledgerOf(card.topUpId, organizationId);
      const { lines: bankLines, balance } = await ledgerOf(bank.topUpId, organizationId);
      expect(cardLines).toHaveLength(2);
      expect(bankLines).toHaveLength(2);
      expect(balance).toBe(usdToNanos("28.33"));
    } finally {
      fake.setWebhookUrl(null);
      Object.assign(fake.delivery, { auto: false, duplicates: 0, shuffle: false });
    }
  });

  it("the ledger stays balanced: stripe_clearing mirrors every credited top-up to the nano", async () => {
    const paid = await services.db.select({ amount: topUps.amountNanos }).from(topUps).where(eq(topUps.status, "paid"));
    const clearing = await services.db
      .select({ sum: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .where(and(eq(ledgerLines.account, "stripe_clearing"), isNull(ledgerLines.organizationId)));
    expect(BigInt(clearing[0]!.sum)).toBe(-paid.reduce((s, r) => s + r.amount, 0n));
    const entries = await services.db.select({ id: journalEntries.id }).from(journalEntries).where(eq(journalEntries.kind, "top_up"));
    const sums = await services.db
      .select({ sum: sql<string>`sum(${ledgerLines.amountNanos})::text` })
      .from(ledgerLines)
      .where(inArray(ledgerLines.journalEntryId, entries.map((e) => e.id)))
      .groupBy(ledgerLines.journalEntryId);
    expect(sums.every((s) => s.sum === "0")).toBe(true);
    expect(entries.length).toBe(paid.length);
  });
});
