import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoTopUpSettings, journalEntries, ledgerLines, stripeEvents, topUps, users } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { createAutoTopUpWorker } from "../../../workers/auto-top-up";
import { createOrganizationForUser } from "../../auth/create-organization";
import type { ServiceContext } from "../../context";
import type { JobQueue } from "../../jobs/queue";
import { createLogger } from "../../logger";
import { accountBalanceNanos } from "../balances";
import { postJournalEntry } from "../post-journal-entry";
import { STRIPE_EVENT_HANDLERS } from "../stripe/handlers";
import type { StripeEventHandler, StripeHandlerContext } from "../stripe/handlers/types";
import { ensureStripeCustomer } from "../stripe/ensure-customer";
import { createTopUp } from "../top-ups/create-top-up";
import { fulfilCheckoutSession } from "../top-ups/fulfil-checkout-session";
import { AUTHENTICATION_REQUIRED_REASON } from "./failure-reason";
import { findDueAutoTopUps } from "./find-due-auto-top-ups";
import { getAutoTopUpSettings } from "./get-auto-top-up-settings";
import { autoTopUpPaymentIntentParams, IDEMPOTENCY_WINDOW_MS, paymentIntentIdempotencyKey, runAutoTopUp, UNCONFIRMED_REASON } from "./run-auto-top-up";
import { ATTEMPT_LEASE_MS, MAX_AUTO_TOP_UPS_PER_HOUR, startAutoTopUpAttempt, TOO_MANY_AUTO_TOP_UPS_REASON } from "./start-attempt";
import { syncAutoTopUpPaymentIntent } from "./sync-payment-intent";
import { NO_SAVED_CARD_MESSAGE, updateAutoTopUpSettings } from "./update-auto-top-up-settings";

const USD = (s: string) => usdToNanos(s);

/**
 * Auto top-up against the in-repo fake Stripe, on both databases: a card saved by a paid Checkout, charged
 * off-session when credit falls below the threshold, exactly once however the attempt is raced, crashed,
 * retried or its payment_intent.* events are repeated and reordered; declines turn it off with the reason.
 * The ledger is checked to the nano.
 */
describe.each(DB_KINDS)("auto top-up on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  let services: ServiceContext & { stripe: NonNullable<ServiceContext["stripe"]> };
  let hctx: StripeHandlerContext;

  beforeAll(async () => {
    fake = await startFakeStripe();
    // Handlers are fed the events directly (twice, shuffled, concurrently); the pipeline has its own tests.
    fake.setWebhookUrl(null);
    fake.delivery.auto = false;
    // The marketplace's own auto top-up worker stays quiet: the worker test starts one with a fast tick.
    mp = await startTestMarketplace(kind, { env: { ...fake.env(), AUTO_TOP_UP_CHECK_MS: "3600000" }, verification: "trust" });
    services = mp.server.runtime.services as typeof services;
    hctx = { services, jobs: mp.server.runtime.jobs as JobQueue, logger: createLogger({ level: "silent" }) };
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  let seed = 11;
  const shuffle = <T>(xs: T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  /** The payment_intent.* events since `from`, each delivered twice, shuffled, all at once, to their handlers. */
  const deliverPaymentIntentEvents = async (from: number) => {
    const events = fake.events().slice(from).filter((e) => e.type === "payment_intent.succeeded" || e.type === "payment_intent.payment_failed");
    await Promise.all(
      shuffle([...events, ...events]).map((event) => (STRIPE_EVENT_HANDLERS[event.type] as StripeEventHandler<Stripe.Event.Type>)(hctx, event as never)),
    );
    return events;
  };

  /** An organization whose team lead paid one $20 Checkout top-up (saving the card) and opted in: $5 → $20. */
  const orgWithAutoTopUp = async (opts: { enable?: boolean } = {}) => {
    const userId = newId("user");
    await services.db.insert(users).values({ id: userId, name: "lead", email: `${userId}@test.local` });
    const { organizationId } = await createOrganizationForUser(services.db, { userId, name: "team", roles: "admin", testCreditNanos: services.test_credit_nanos });
    const { topUpId } = await createTopUp(services, { organizationId, userId, amount_nanos: USD("20") });
    const [row] = await services.db.select().from(topUps).where(eq(topUps.id, topUpId));
    expect((await fake.payCheckout(row!.stripeCheckoutSessionId!, "card")).error).toBeNull();
    expect(await fulfilCheckoutSession(services, { checkoutSessionId: row!.stripeCheckoutSessionId! })).toMatchObject({ status: "paid", credited_now: true });
    const [settings] = await services.db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.organizationId, organizationId));
    const paymentMethodId = settings!.stripePaymentMethodId!;
    expect(paymentMethodId).toMatch(/^pm_/);
    if (opts.enable !== false) await updateAutoTopUpSettings(services, { organizationId, enabled: true, threshold_nanos: USD("5"), amount_nanos: USD("20") });
    return { organizationId, userId, paymentMethodId, checkoutTopUpId: topUpId };
  };
  /** Usage the organization spent: a balanced debit of its balance (what settling requests posts). */
  const spend = async (organizationId: string, amount_nanos: bigint) => {
    await postJournalEntry(services.db, {
      kind: "request_settlement",
      idempotencyKey: `test_spend:${newId("journalEntry")}`,
      at: services.now(),
      lines: [
        { account: "buyer_balance", organizationId, amount_nanos: -amount_nanos },
        { account: "platform_revenue", organizationId: null, amount_nanos },
      ],
    });
  };
  const balanceOf = (organizationId: string) => accountBalanceNanos(services.db, "buyer_balance", organizationId);
  const autoTopUpsOf = (organizationId: string) => services.db.select().from(topUps).where(and(eq(topUps.organizationId, organizationId), eq(topUps.kind, "auto")));
  /** PaymentIntents the fake created for this organization's auto top-ups. */
  const autoPaymentIntentsAtStripe = (organizationId: string) =>
    new Set(
      fake
        .events()
        .filter((e) => e.type.startsWith("payment_intent."))
        .map((e) => e.data.object as Stripe.PaymentIntent)
        .filter((pi) => pi.metadata.organization_id === organizationId && pi.description === "Spotlane auto top-up")
        .map((pi) => pi.id),
    );
  const expectCreditedOnce = async (topUpId: string, organizationId: string) => {
    const lines = await services.db
      .select({ account: ledgerLines.account, org: ledgerLines.organizationId, amount: ledgerLines.amountNanos })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(eq(journalEntries.idempotencyKey, `top_up:${topUpId}`));
    expect(lines.sort((a, b) => a.account.localeCompare(b.account))).toEqual([
      { account: "buyer_balance", org: organizationId, amount: USD("20") },
      { account: "stripe_clearing", org: null, amount: -USD("20") },
    ]);
  };
  const later = (ms: number): ServiceContext & { stripe: typeof services.stripe } => ({ ...services, now: () => new Date(Date.now() + ms) });
  const waitFor = async (what: string, check: () => Promise<boolean>, timeout_ms = 15_000) => {
    for (const deadline = Date.now() + timeout_ms; !(await check()); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
  };

  it("refuses to turn on without a saved card, and checks the amounts", async () => {
    const userId = newId("user");
    await services.db.insert(users).values({ id: userId, name: "lead", email: `${userId}@test.local` });
    const { organizationId } = await createOrganizationForUser(services.db, { userId, name: "team", roles: "admin", testCreditNanos: 0n });
    await expect(updateAutoTopUpSettings(services, { organizationId, enabled: true, threshold_nanos: USD("5"), amount_nanos: USD("20") })).rejects.toMatchObject({ code: "conflict", message: NO_SAVED_CARD_MESSAGE });
    // Saving it switched off is fine, and it stays off.
    expect(await updateAutoTopUpSettings(services, { organizationId, enabled: false, threshold_nanos: USD("5"), amount_nanos: USD("20") })).toMatchObject({ enabled: false, has_payment_method: false, card: null });
    for (const bad of [
      { threshold_nanos: USD("5"), amount_nanos: USD("4.99") },
      { threshold_nanos: USD("5"), amount_nanos: USD("10000.01") },
      { threshold_nanos: USD("5"), amount_nanos: USD("20") + 1n },
      { threshold_nanos: -1n, amount_nanos: USD("20") },
      { threshold_nanos: USD("10000.01"), amount_nanos: USD("20") },
    ]) {
      await expect(updateAutoTopUpSettings(services, { organizationId, enabled: false, ...bad })).rejects.toMatchObject({ code: "invalid_input" });
    }
    expect(await runAutoTopUp(services, { organizationId })).toEqual({ outcome: "not_needed" });
  });

  it("the worker charges the saved card once when credit falls below the threshold: +$20 exactly", async () => {
    const { organizationId, paymentMethodId } = await orgWithAutoTopUp();
    const view = await getAutoTopUpSettings(services, organizationId);
    expect(view).toMatchObject({ enabled: true, threshold_nanos: USD("5"), amount_nanos: USD("20"), has_payment_method: true, disabled_reason: null, last_attempt: null });
    expect(view.card).toEqual({ brand: expect.any(String), last4: expect.stringMatching(/^\d{4}$/) });
    expect(await runAutoTopUp(services, { organizationId })).toEqual({ outcome: "not_needed" }); // $20 ≥ $5

    await spend(organizationId, USD("15.000000001")); // $4.999999999 left: one nano below the threshold
    const worker = await createAutoTopUpWorker({ check_ms: 50 }).start(mp.server.runtime);
    try {
      await waitFor("the auto top-up to be paid", async () => (await autoTopUpsOf(organizationId)).some((t) => t.status === "paid"));
      await new Promise((r) => setTimeout(r, 500)); // more ticks: nothing more is charged once above the threshold
    } finally {
      await worker();
    }
    const rows = await autoTopUpsOf(organizationId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "paid", amountNanos: USD("20"), stripePaymentMethodId: paymentMethodId, stripePaymentIntentId: expect.stringMatching(/^pi_/), stripeChargeId: expect.stringMatching(/^ch_/) });
    await expectCreditedOnce(rows[0]!.id, organizationId);
    expect(await balanceOf(organizationId)).toBe(USD("24.999999999"));
    expect([...autoPaymentIntentsAtStripe(organizationId)]).toEqual([rows[0]!.stripePaymentIntentId]);
    const pi = await fake.client().paymentIntents.retrieve(rows[0]!.stripePaymentIntentId!);
    expect(pi).toMatchObject({ amount: 2000, currency: "usd", status: "succeeded", payment_method: paymentMethodId, metadata: { organization_id: organizationId, top_up_id: rows[0]!.id } });
    expect((await getAutoTopUpSettings(services, organizationId)).last_attempt).toMatchObject({ status: "paid", amount_nanos: USD("20"), failure_reason: null });

    // Its payment_intent.succeeded, twice and shuffled, credits nothing more.
    await deliverPaymentIntentEvents(0);
    expect(await balanceOf(organizationId)).toBe(USD("24.999999999"));
  });

  it("five concurrent runs charge once", async () => {
    const { organizationId } = await orgWithAutoTopUp();
    await spend(organizationId, USD("18"));
    const results = await Promise.all(Array.from({ length: 5 }, () => runAutoTopUp(services, { organizationId })));
    expect(results.filter((r) => r.outcome === "charged")).toHaveLength(1);
    expect(results.every((r) => ["charged", "in_progress", "not_needed"].includes(r.outcome))).toBe(true);
    const rows = await autoTopUpsOf(organizationId);
    expect(rows.map((r) => r.status)).toEqual(["paid"]);
    await expectCreditedOnce(rows[0]!.id, organizationId);
    expect(await balanceOf(organizationId)).toBe(USD("22"));
    expect(autoPaymentIntentsAtStripe(organizationId).size).toBe(1);
    // And once credited, nothing is due.
    expect(await runAutoTopUp(services, { organizationId })).toEqual({ outcome: "not_needed" });
  });

  it("a crash after Stripe charged is resumed under the same idempotency key: one charge, credited once", async () => {
    const { organizationId, paymentMethodId } = await orgWithAutoTopUp();
    await spend(organizationId, USD("19"));
    // What a process did before it died: claimed an attempt and sent the charge, which Stripe completed.
    const started = await startAutoTopUpAttempt(services, organizationId);
    if (started.kind !== "attempt") throw new Error(`expected an attempt, got ${started.kind}`);
    const customerId = await ensureStripeCustomer(services, organizationId);
    const from = fake.events().length;
    const charged = await fake.client().paymentIntents.create(autoTopUpPaymentIntentParams(started.topUp, customerId, paymentMethodId), { idempotencyKey: paymentIntentIdempotencyKey(started.topUp.id) });
    expect(charged.status).toBe("succeeded");

    // While its claim lasts, nobody else charges beside it; once it lapses, the worker's scan picks it up again.
    expect(await runAutoTopUp(services, { organizationId })).toEqual({ outcome: "in_progress" });
    expect(await findDueAutoTopUps(services.db, { now: services.now() })).not.toContain(organizationId);
    expect(await findDueAutoTopUps(services.db, { now: later(ATTEMPT_LEASE_MS + 1_000).now() })).toContain(organizationId);
    expect(await balanceOf(organizationId)).toBe(USD("1"));
    // After it lapses the attempt is resumed: the same key, so Stripe answers with the same PaymentIntent.
    expect(await runAutoTopUp(later(ATTEMPT_LEASE_MS + 1_000), { organizationId })).toEqual({ outcome: "charged", topUpId: started.topUp.id });
    const [row] = await autoTopUpsOf(organizationId);
    expect(row).toMatchObject({ status: "paid", stripePaymentIntentId: charged.id });
    await expectCreditedOnce(started.topUp.id, organizationId);
    expect([...autoPaymentIntentsAtStripe(organizationId)]).toEqual([charged.id]);
    // The webhooks of the charge, late, twice and shuffled: nothing more.
    expect((await deliverPaymentIntentEvents(from)).map((e) => e.type)).toContain("payment_intent.succeeded");
    expect(await balanceOf(organizationId)).toBe(USD("21"));
  });

  it("a charge whose answer was lost is credited by its webhook alone, exactly once", async () => {
    const { organizationId, paymentMethodId } = await orgWithAutoTopUp();
    await spend(organizationId, USD("19"));
    const started = await startAutoTopUpAttempt(services, organizationId);
    if (started.kind !== "attempt") throw new Error(`expected an attempt, got ${started.kind}`);
    const from = fake.events().length;
    await fake.client().paymentIntents.create(autoTopUpPaymentIntentParams(started.topUp, await ensureStripeCustomer(services, organizationId), paymentMethodId), { idempotencyKey: paymentIntentIdempotencyKey(started.topUp.id) });
    await deliverPaymentIntentEvents(from);
    await expectCreditedOnce(started.topUp.id, organizationId);
    expect((await autoTopUpsOf(organizationId))[0]).toMatchObject({ status: "paid", stripePaymentIntentId: expect.stringMatching(/^pi_/) });
    // A resume after that finds nothing pending and nothing due.
    expect(await runAutoTopUp(later(ATTEMPT_LEASE_MS + 1_000), { organizationId })).toEqual({ outcome: "not_needed" });
    expect(await balanceOf(organizationId)).toBe(USD("21"));
    expect(autoPaymentIntentsAtStripe(organizationId).size).toBe(1);
  });

  it("a network error leaves the attempt pending and throws; the retry sends the same key and charges once", async () => {
    const { organizationId } = await orgWithAutoTopUp();
    await spend(organizationId, USD("19"));
    // Two: the SDK itself retries a reset connection once (same idempotency key) before it gives up.
    fake.failNext({ method: "POST", path: /^\/v1\/payment_intents$/ }, 2, "reset");
    await expect(runAutoTopUp(services, { organizationId })).rejects.toThrow();
    expect((await autoTopUpsOf(organizationId)).map((r) => r.status)).toEqual(["pending"]);
    fake.failNext({ method: "POST", path: /^\/v1\/payment_intents$/ }, 1, "500");
    await expect(runAutoTopUp(services, { organizationId })).rejects.toThrow();
    expect(await balanceOf(organizationId)).toBe(USD("1"));
    // The failed try released its claim, so the job's retry resumes at once.
    const retried = await runAutoTopUp(services, { organizationId });
    expect(retried.outcome).toBe("charged");
    const rows = await autoTopUpsOf(organizationId);
    expect(rows.map((r) => r.status)).toEqual(["paid"]);
    await expectCreditedOnce(rows[0]!.id, organizationId);
    expect(autoPaymentIntentsAtStripe(organizationId).size).toBe(1);
  });

  it("Stripe charged but the answer was lost: the retry gets the same PaymentIntent back, credited once", async () => {
    const { organizationId } = await orgWithAutoTopUp();
    await spend(organizationId, USD("19"));
    // Stripe runs the request, then the connection drops before the answer; the SDK's own retry is cut off too.
    fake.failNext({ method: "POST", path: /^\/v1\/payment_intents$/ }, 1, "reset_after");
    fake.failNext({ method: "POST", path: /^\/v1\/payment_intents$/ }, 1, "reset");
    await expect(runAutoTopUp(services, { organizationId })).rejects.toThrow();
    const [pending] = await autoTopUpsOf(organizationId);
    expect(pending).toMatchObject({ status: "pending", stripePaymentIntentId: null });
    expect(await balanceOf(organizationId)).toBe(USD("1"));
    expect(autoPaymentIntentsAtStripe(organizationId).size).toBe(1);
    expect(await runAutoTopUp(services, { organizationId })).toEqual({ outcome: "charged", topUpId: pending!.id });
    await expectCreditedOnce(pending!.id, organizationId);
    expect(await balanceOf(organizationId)).toBe(USD("21"));
    expect(autoPaymentIntentsAtStripe(organizationId).size).toBe(1);
  });

  for (const behaviour of ["card_declined", "authentication_required"] as const) {
    it(`${behaviour}: the attempt fails, auto top-up turns off with the reason, nothing is credited or retried`, async () => {
      const { organizationId, paymentMethodId } = await orgWithAutoTopUp();
      await spend(organizationId, USD("19"));
      fake.setPaymentMethodBehaviour(paymentMethodId, behaviour);
      const from = fake.events().length;
      const { outcome, topUpId } = await runAutoTopUp(services, { organizationId });
      expect(outcome).toBe("failed");
      const [row] = await autoTopUpsOf(organizationId);
      expect(row).toMatchObject({ id: topUpId, status: "failed", stripePaymentIntentId: expect.stringMatching(/^pi_/) });
      const view = await getAutoTopUpSettings(services, organizationId);
      expect(view.enabled).toBe(false);
      expect(view.disabled_at).toBeInstanceOf(Date);
      if (behaviour === "authentication_required") expect(view.disabled_reason).toBe(AUTHENTICATION_REQUIRED_REASON);
      else expect(view.disabled_reason).toMatch(/^Your card was declined \(.+\); auto top-up is off until you turn it on again\.$/);
      expect(row!.failureReason).toBe(view.disabled_reason);
      expect(view.last_attempt).toMatchObject({ status: "failed", failure_reason: view.disabled_reason });
      expect(await balanceOf(organizationId)).toBe(USD("1"));
      // No loop: off means nothing is due, whatever the balance.
      expect(await runAutoTopUp(services, { organizationId })).toEqual({ outcome: "not_needed" });

      // Turned on again: the reason clears. The old payment_failed event, twice and shuffled, does not turn it off again.
      fake.setPaymentMethodBehaviour(paymentMethodId, "succeed");
      expect(await updateAutoTopUpSettings(services, { organizationId, enabled: true, threshold_nanos: USD("5"), amount_nanos: USD("20") })).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
      expect((await deliverPaymentIntentEvents(from)).map((e) => e.type)).toEqual(["payment_intent.payment_failed"]);
      expect((await getAutoTopUpSettings(services, organizationId)).enabled).toBe(true);
      expect((await autoTopUpsOf(organizationId)).map((r) => r.status)).toEqual(["failed"]);
      // The next attempt is a new top-up, charged once.
      expect((await runAutoTopUp(services, { organizationId })).outcome).toBe("charged");
      expect(await balanceOf(organizationId)).toBe(USD("21"));
      expect(autoPaymentIntentsAtStripe(organizationId).size).toBe(2);
    });
  }

  it("a decline reported only by its webhook fails the attempt and turns auto top-up off once", async () => {
    const { organizationId, paymentMethodId } = await orgWithAutoTopUp();
    await spend(organizationId, USD("19"));
    fake.setPaymentMethodBehaviour(paymentMethodId, "card_declined");
    const started = await startAutoTopUpAttempt(services, organizationId);
    if (started.kind !== "attempt") throw new Error(`expected an attempt, got ${started.kind}`);
    const from = fake.events().length;
    await expect(fake.client().paymentIntents.create(autoTopUpPaymentIntentParams(started.topUp, await ensureStripeCustomer(services, organizationId), paymentMethodId), { idempotencyKey: paymentIntentIdempotencyKey(started.topUp.id) })).rejects.toMatchObject({ type: "StripeCardError" });
    await deliverPaymentIntentEvents(from);
    expect((await autoTopUpsOf(organizationId))[0]).toMatchObject({ status: "failed", failureReason: expect.stringMatching(/^Your card was declined/) });
    expect(await getAutoTopUpSettings(services, organizationId)).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/^Your card was declined/) });
    // The crashed process's resume then finds the attempt finished and auto top-up off: nothing is charged.
    expect(await runAutoTopUp(later(ATTEMPT_LEASE_MS + 1_000), { organizationId })).toEqual({ outcome: "not_needed" });
    expect(await balanceOf(organizationId)).toBe(USD("1"));
  });

  it("through the real webhook endpoint, every event three times and shuffled: credited once", async () => {
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    Object.assign(fake.delivery, { auto: true, duplicates: 2, shuffle: true });
    try {
      const { organizationId } = await orgWithAutoTopUp();
      await spend(organizationId, USD("19"));
      const { outcome, topUpId } = await runAutoTopUp(services, { organizationId });
      expect(outcome).toBe("charged");
      await fake.flushWebhooks();
      await mp.stripeIdle();
      const stored = await services.db.select().from(stripeEvents).where(eq(stripeEvents.type, "payment_intent.succeeded"));
      const ours = stored.filter((e) => (e.payload as Stripe.Event & { data: { object: Stripe.PaymentIntent } }).data.object.metadata.top_up_id === topUpId);
      expect(ours.map((e) => e.status)).toEqual(["processed"]);
      await expectCreditedOnce(topUpId!, organizationId);
      expect(await balanceOf(organizationId)).toBe(USD("21"));
    } finally {
      Object.assign(fake.delivery, { auto: false, duplicates: 0, shuffle: false });
      fake.setWebhookUrl(null);
    }
  });

  it("an attempt that never learnt its PaymentIntent within Stripe's idempotency window is given up, not re-sent", async () => {
    const { organizationId } = await orgWithAutoTopUp();
    await spend(organizationId, USD("19"));
    const started = await startAutoTopUpAttempt(services, organizationId);
    if (started.kind !== "attempt") throw new Error(`expected an attempt, got ${started.kind}`);
    const from = fake.events().length;
    expect(await runAutoTopUp(later(IDEMPOTENCY_WINDOW_MS + 60_000), { organizationId })).toEqual({ outcome: "failed", topUpId: started.topUp.id });
    expect((await autoTopUpsOf(organizationId))[0]).toMatchObject({ status: "failed", failureReason: UNCONFIRMED_REASON });
    expect(fake.events().slice(from).filter((e) => e.type.startsWith("payment_intent."))).toEqual([]);
    // Nothing was declined: auto top-up stays on, and the next run is a fresh attempt.
    expect((await getAutoTopUpSettings(services, organizationId)).enabled).toBe(true);
  });

  it(`turns itself off after ${MAX_AUTO_TOP_UPS_PER_HOUR} charges within an hour (runaway spend)`, async () => {
    const { organizationId } = await orgWithAutoTopUp();
    const at = services.now();
    await services.db.insert(topUps).values(Array.from({ length: MAX_AUTO_TOP_UPS_PER_HOUR }, () => ({ id: newId("topUp"), organizationId, kind: "auto" as const, amountNanos: USD("20"), status: "paid" as const, createdAt: at, updatedAt: at })));
    await spend(organizationId, USD("19"));
    expect(await runAutoTopUp(services, { organizationId })).toEqual({ outcome: "not_needed" });
    expect(await getAutoTopUpSettings(services, organizationId)).toMatchObject({ enabled: false, disabled_reason: TOO_MANY_AUTO_TOP_UPS_REASON });
    expect((await autoTopUpsOf(organizationId)).every((t) => t.status === "paid")).toBe(true);
    expect(autoPaymentIntentsAtStripe(organizationId).size).toBe(0);
  });

  it("payment_intent events of Checkout top-ups are left to the Checkout handlers", async () => {
    const { organizationId, checkoutTopUpId } = await orgWithAutoTopUp({ enable: false });
    const [row] = await services.db.select().from(topUps).where(eq(topUps.id, checkoutTopUpId));
    expect(await syncAutoTopUpPaymentIntent(services, row!.stripePaymentIntentId!)).toEqual({ outcome: "not_ours", topUpId: checkoutTopUpId });
    await deliverPaymentIntentEvents(0);
    expect(await balanceOf(organizationId)).toBe(USD("20"));
  });
});
