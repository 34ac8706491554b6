import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { startFakeStripe, type FakeStripe } from "./index";

let fake: FakeStripe;
let stripe: Stripe;

beforeAll(async () => {
  fake = await startFakeStripe({ seed: 3 });
  stripe = fake.client();
});
afterAll(() => fake.close());

/** A customer with a card saved through Checkout (setup_future_usage), and that payment's charge. */
async function customerWithSavedCard(cents = 2000): Promise<{ customer: Stripe.Customer; pm: string; charge: Stripe.Charge }> {
  const customer = await stripe.customers.create({ email: "auto@example.com" });
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    customer: customer.id,
    line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: cents, product_data: { name: "credit" } } }],
    payment_intent_data: { setup_future_usage: "off_session" },
    success_url: "http://app.test/ok",
  });
  await fake.payCheckout(session.id, "card");
  const pi = (await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent.latest_charge"] })).payment_intent as Stripe.PaymentIntent;
  return { customer, pm: pi.payment_method as string, charge: pi.latest_charge as Stripe.Charge };
}

describe("fake Stripe: off-session PaymentIntents", () => {
  it("charges a saved card off-session, and replays the call by idempotency key", async () => {
    const { customer, pm } = await customerWithSavedCard();
    const params: Stripe.PaymentIntentCreateParams = {
      amount: 1500, currency: "usd", customer: customer.id, payment_method: pm, off_session: true, confirm: true, metadata: { top_up_id: "tu_auto" },
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    };
    const pi = await stripe.paymentIntents.create(params, { idempotencyKey: "auto:1" });
    expect(pi).toMatchObject({ status: "succeeded", amount_received: 1500, metadata: { top_up_id: "tu_auto" }, automatic_payment_methods: { enabled: true, allow_redirects: "never" } });
    const again = await stripe.paymentIntents.create(params, { idempotencyKey: "auto:1" });
    expect(again.id).toBe(pi.id);
    expect((await stripe.charges.list({ payment_intent: pi.id })).data).toHaveLength(1);
    const withCharge = await stripe.paymentIntents.retrieve(pi.id, { expand: ["latest_charge"] });
    expect((withCharge.latest_charge as Stripe.Charge).amount).toBe(1500);
  });

  it("surfaces a decline as StripeCardError with the code, decline_code and the PaymentIntent, replayed as-is", async () => {
    const { customer, pm } = await customerWithSavedCard();
    fake.setPaymentMethodBehaviour(pm, "card_declined");
    const params = { amount: 1500, currency: "usd", customer: customer.id, payment_method: pm, off_session: true, confirm: true };
    const err = (await stripe.paymentIntents.create(params, { idempotencyKey: "auto:2" }).catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
    expect(err.payment_intent).toMatchObject({ status: "requires_payment_method", last_payment_error: { code: "card_declined" } });
    const replay = (await stripe.paymentIntents.create(params, { idempotencyKey: "auto:2" }).catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    expect(replay.payment_intent?.id).toBe(err.payment_intent?.id);
    const types = fake.events().filter((e) => (e.data.object as { id?: string }).id === err.payment_intent?.id).map((e) => e.type);
    expect(types).toEqual(["payment_intent.created", "payment_intent.payment_failed"]);
  });

  it("needs authentication off-session: authentication_required, requires_payment_method", async () => {
    const { customer, pm } = await customerWithSavedCard();
    fake.setPaymentMethodBehaviour(pm, "authentication_required");
    const err = (await stripe.paymentIntents.create({ amount: 900, currency: "usd", customer: customer.id, payment_method: pm, off_session: true, confirm: true }).catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err.code).toBe("authentication_required");
    expect(err.payment_intent?.status).toBe("requires_payment_method");
  });

  it("refuses a PaymentMethod that is not the customer's, and amounts under $0.50", async () => {
    const a = await customerWithSavedCard();
    const b = await stripe.customers.create({});
    await expect(stripe.paymentIntents.create({ amount: 900, currency: "usd", customer: b.id, payment_method: a.pm, off_session: true, confirm: true })).rejects.toMatchObject({ statusCode: 400, param: "payment_method" });
    await expect(stripe.paymentIntents.create({ amount: 49, currency: "usd", customer: a.customer.id, payment_method: a.pm, off_session: true, confirm: true })).rejects.toMatchObject({ code: "amount_too_small" });
  });
});

describe("fake Stripe: refunds and disputes", () => {
  it("refunds partially, refuses more than what is left, and a failed refund puts the amount back", async () => {
    const { charge } = await customerWithSavedCard(2000);
    const r1 = await stripe.refunds.create({ charge: charge.id, amount: 1200 });
    expect(r1).toMatchObject({ status: "succeeded", amount: 1200, charge: charge.id, payment_intent: charge.payment_intent });
    await expect(stripe.refunds.create({ charge: charge.id, amount: 801 })).rejects.toMatchObject({ statusCode: 400, param: "amount", message: expect.stringContaining("greater than unrefunded amount") });
    const after = await stripe.charges.retrieve(charge.id);
    expect(after).toMatchObject({ amount_refunded: 1200, refunded: false });
    const refundedEvent = fake.events().filter((e): e is Stripe.ChargeRefundedEvent => e.type === "charge.refunded").at(-1);
    expect(refundedEvent?.data.object).toMatchObject({ id: charge.id, amount_refunded: 1200 });
    const r2 = await fake.refund(charge.id);
    expect(r2.amount).toBe(800);
    expect((await stripe.charges.retrieve(charge.id)).refunded).toBe(true);
    await expect(stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({ code: "charge_already_refunded" });
    await fake.failRefund(r2.id);
    expect(await stripe.refunds.retrieve(r2.id)).toMatchObject({ status: "failed" });
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 1200, refunded: false });
    const types = fake.events().filter((e) => (e.data.object as { id?: string }).id === r2.id).map((e) => e.type);
    expect(types).toEqual(["refund.created", "refund.failed", "refund.updated", "charge.refund.updated"]);
    expect((await stripe.refunds.list({ charge: charge.id })).data.map((r) => r.id)).toEqual([r2.id, r1.id]);
  });

  it("opens a dispute with a negative balance transaction and reinstates it when won", async () => {
    const { charge } = await customerWithSavedCard(3000);
    const dispute = await fake.openDispute(charge.id);
    expect(dispute).toMatchObject({ status: "needs_response", amount: 3000, charge: charge.id });
    expect(dispute.balance_transactions.map((b) => [b.amount, b.fee, b.net])).toEqual([[-3000, 1500, -4500]]);
    await expect(stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({ code: "charge_disputed" });
    await fake.closeDispute(dispute.id, "won");
    const won = await stripe.disputes.retrieve(dispute.id);
    expect(won.status).toBe("won");
    expect(won.balance_transactions.map((b) => b.amount)).toEqual([-3000, 3000]);
    const types = fake.events().filter((e) => (e.data.object as { id?: string }).id === dispute.id).map((e) => e.type);
    expect(types).toEqual(["charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.updated", "charge.dispute.funds_reinstated", "charge.dispute.closed"]);
  });

  it("a lost dispute stays withdrawn", async () => {
    const { charge } = await customerWithSavedCard(1000);
    const dispute = await fake.openDispute(charge.id, 600);
    await fake.closeDispute(dispute.id, "lost");
    const lost = await stripe.disputes.retrieve(dispute.id);
    expect(lost.status).toBe("lost");
    expect(lost.balance_transactions.map((b) => b.amount)).toEqual([-600]);
    expect(fake.events().at(-1)?.type).toBe("charge.dispute.closed");
  });
});

describe("fake Stripe: failure injection", () => {
  it("answers 500 / 429 / resets, then works again; a retry with the same key executes once", async () => {
    fake.failNext({ method: "POST", path: /^\/v1\/customers$/ }, 1, "500");
    await expect(stripe.customers.create({ email: "f@example.com" }, { idempotencyKey: "c-500" })).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    const created = await stripe.customers.create({ email: "f@example.com" }, { idempotencyKey: "c-500" });
    expect(created.email).toBe("f@example.com");

    fake.failNext({ path: /^\/v1\/customers\// }, 1, "429");
    const limited = (await stripe.customers.retrieve(created.id).catch((e: unknown) => e)) as Stripe.errors.StripeRateLimitError;
    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(limited.headers?.["retry-after"]).toBe("1");

    // stripe-node retries a closed connection once even with maxNetworkRetries 0: one reset is invisible.
    fake.failNext({ path: /^\/v1\/customers\// }, 1, "reset");
    expect((await stripe.customers.retrieve(created.id)).id).toBe(created.id);
    fake.failNext({ path: /^\/v1\/customers\// }, 2, "reset");
    await expect(stripe.customers.retrieve(created.id)).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);

    // The dangerous one: the request executed and the answer was lost. The SDK's own retry reuses its key…
    const count = () => fake.events().filter((e) => e.type === "customer.created").length;
    const before = count();
    fake.failNext({ method: "POST", path: /^\/v1\/customers$/ }, 1, "reset_after");
    const silently = await stripe.customers.create({ email: "g@example.com" });
    expect(silently.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(count()).toBe(before + 1);
    // …and an application retry with the same key after a surfaced error executes nothing twice either.
    fake.failNext({ method: "POST", path: /^\/v1\/customers$/ }, 2, "reset_after");
    await expect(stripe.customers.create({ email: "h@example.com" }, { idempotencyKey: "c-lost" })).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const retried = await stripe.customers.create({ email: "h@example.com" }, { idempotencyKey: "c-lost" });
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(count()).toBe(before + 2);
  });
});
