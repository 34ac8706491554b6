import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { startFakeStripe, type FakeStripe } from "./index";
import { startReceiver, type Receiver } from "./receiver";

let fake: FakeStripe;
let stripe: Stripe;
let receiver: Receiver;

beforeAll(async () => {
  fake = await startFakeStripe({ seed: 7 });
  stripe = fake.client();
  receiver = await startReceiver(fake.webhookSecret);
  fake.setWebhookUrl(receiver.url);
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});

async function topUpSession(cents: number, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}, key?: string) {
  const customer = await stripe.customers.create({ email: "buyer@example.com", metadata: { org: "org_1" } });
  const session = await stripe.checkout.sessions.create(
    {
      mode: "payment",
      customer: customer.id,
      client_reference_id: "tu_1",
      line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: cents, product_data: { name: "Spotlane credit" } } }],
      metadata: { top_up_id: "tu_1" },
      payment_intent_data: { metadata: { top_up_id: "tu_1" }, setup_future_usage: "off_session" },
      invoice_creation: { enabled: true },
      success_url: "http://app.test/billing?session={CHECKOUT_SESSION_ID}",
      cancel_url: "http://app.test/billing?canceled=1",
      ...extra,
    },
    key ? { idempotencyKey: key } : undefined,
  );
  return { customer, session };
}

/** The hosted page's form, as a browser submits it (no SDK, no auth). */
async function submitHostedForm(url: string, method: string) {
  const page = await (await fetch(url)).text();
  expect(page).toContain(`value="${method}"`);
  return fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `method=${method}`, redirect: "manual" });
}

describe("fake Stripe: Checkout", () => {
  it("creates an open session with Stripe's fields and retrieves it with expansions", async () => {
    const { customer, session } = await topUpSession(2500);
    expect(session).toMatchObject({ object: "checkout.session", status: "open", payment_status: "unpaid", amount_total: 2500, currency: "usd", customer: customer.id, client_reference_id: "tu_1", payment_intent: null, mode: "payment", ui_mode: "hosted_page" });
    expect(session.url).toBe(`${fake.apiBase}/checkout/pay/${session.id}`);
    expect(session.expires_at - session.created).toBe(24 * 3600);
    const again = await stripe.checkout.sessions.retrieve(session.id, { expand: ["line_items", "customer"] });
    expect(again.line_items?.data[0]).toMatchObject({ object: "item", amount_total: 2500, quantity: 1, description: "Spotlane credit" });
    expect(again.line_items?.data[0]?.price?.unit_amount).toBe(2500);
    expect((again.customer as Stripe.Customer).email).toBe("buyer@example.com");
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data).toHaveLength(1);
  });

  it("refuses what Stripe refuses: < $0.50, unknown parameters, unknown customers, a wrong key", async () => {
    await expect(topUpSession(49)).rejects.toMatchObject({ type: "StripeInvalidRequestError", code: "amount_too_small", statusCode: 400 });
    await expect(topUpSession(500, { payment_method_types: ["card"] } as never)).rejects.toMatchObject({ type: "StripeInvalidRequestError", code: "parameter_unknown", param: "payment_method_types" });
    await expect(stripe.checkout.sessions.create({ mode: "payment", customer: "cus_nope", line_items: [{ price_data: { currency: "usd", unit_amount: 500, product_data: { name: "x" } }, quantity: 1 }], success_url: "http://x" })).rejects.toMatchObject({ code: "resource_missing", param: "customer", statusCode: 400 });
    await expect(stripe.checkout.sessions.retrieve("cs_test_nope")).rejects.toMatchObject({ type: "StripeInvalidRequestError", code: "resource_missing", statusCode: 404 });
    const wrong = new Stripe("sk_test_wrong", { host: "127.0.0.1", port: Number(new URL(fake.apiBase).port), protocol: "http", maxNetworkRetries: 0 });
    await expect(wrong.customers.create({})).rejects.toMatchObject({ type: "StripeAuthenticationError", statusCode: 401 });
  });

  it("replays an idempotent create and refuses the key with other parameters", async () => {
    const a = await topUpSession(1000, {}, "top_up:abc");
    const replay = await stripe.checkout.sessions.create(
      {
        mode: "payment",
        customer: a.customer.id,
        client_reference_id: "tu_1",
        line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 1000, product_data: { name: "Spotlane credit" } } }],
        metadata: { top_up_id: "tu_1" },
        payment_intent_data: { metadata: { top_up_id: "tu_1" }, setup_future_usage: "off_session" },
        invoice_creation: { enabled: true },
        success_url: "http://app.test/billing?session={CHECKOUT_SESSION_ID}",
        cancel_url: "http://app.test/billing?canceled=1",
      },
      { idempotencyKey: "top_up:abc" },
    );
    expect(replay.id).toBe(a.session.id);
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
    await expect(topUpSession(1001, {}, "top_up:abc")).rejects.toMatchObject({ type: "StripeIdempotencyError", rawType: "idempotency_error", statusCode: 400 });
  });

  it("pays by card on the hosted page: 303 to success_url, a paid session, a receipt, a saved card, signed events", async () => {
    const { customer, session } = await topUpSession(2500);
    const res = await submitHostedForm(session.url as string, "card");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`http://app.test/billing?session=${session.id}`);
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent.latest_charge"] });
    expect(paid).toMatchObject({ status: "complete", payment_status: "paid" });
    const pi = paid.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ status: "succeeded", amount: 2500, amount_received: 2500, metadata: { top_up_id: "tu_1" }, customer: customer.id });
    const charge = pi.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ status: "succeeded", paid: true, amount: 2500, amount_refunded: 0, refunded: false });
    expect(charge.refunds).toBeUndefined();
    const receipt = await fetch(charge.receipt_url as string);
    expect(await receipt.text()).toContain("$25.00");
    const pms = await stripe.customers.listPaymentMethods(customer.id);
    expect(pms.data.map((p) => p.id)).toEqual([pi.payment_method]);
    expect(typeof paid.invoice).toBe("string");
    expect((await stripe.invoices.retrieve(paid.invoice as string)).status).toBe("paid");

    await fake.flushWebhooks();
    const mine = receiver.received.filter((r) => JSON.stringify(r.event.data.object).includes(pi.id));
    expect(mine.every((r) => r.signatureOk)).toBe(true);
    const types = mine.map((r) => r.event.type);
    expect(types).toEqual(expect.arrayContaining(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]));
    const completed = mine.find((r) => r.event.type === "checkout.session.completed")?.event as Stripe.CheckoutSessionCompletedEvent;
    expect(completed).toMatchObject({ object: "event", api_version: Stripe.API_VERSION, livemode: false, request: { id: null, idempotency_key: null } });
    expect(completed.data.object).toMatchObject({ id: session.id, payment_status: "paid" });
    expect(Number.isInteger(completed.created)).toBe(true);
    // A paid session cannot be paid or expired again.
    expect(await fake.payCheckout(session.id)).toEqual({ redirect_url: null, error: "This Checkout Session is no longer active." });
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it("shows a decline on the page, keeps the session open, and lets the buyer retry", async () => {
    const { session } = await topUpSession(700);
    const res = await submitHostedForm(session.url as string, "card_declined");
    expect(res.status).toBe(402);
    expect(await res.text()).toContain('data-testid="pay-error"');
    const open = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
    expect(open.status).toBe("open");
    expect((open.payment_intent as Stripe.PaymentIntent).status).toBe("requires_payment_method");
    const retry = await fake.payCheckout(session.id, "card");
    expect(retry.error).toBeNull();
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
    expect(paid.payment_status).toBe("paid");
    expect((paid.payment_intent as Stripe.PaymentIntent).id).toBe((open.payment_intent as Stripe.PaymentIntent).id);
  });

  it("bank debit completes unpaid and settles later, either way", async () => {
    for (const outcome of ["succeeded", "failed"] as const) {
      const { session } = await topUpSession(5000);
      const res = await submitHostedForm(session.url as string, "async_bank");
      expect(res.status).toBe(303);
      const pending = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
      expect(pending).toMatchObject({ status: "complete", payment_status: "unpaid" });
      expect((pending.payment_intent as Stripe.PaymentIntent).status).toBe("processing");
      await fake.settleAsyncPayment(session.id, outcome);
      const after = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
      expect(after.payment_status).toBe(outcome === "succeeded" ? "paid" : "unpaid");
      expect((after.payment_intent as Stripe.PaymentIntent).status).toBe(outcome === "succeeded" ? "succeeded" : "requires_payment_method");
      const types = fake.events().filter((e) => (e.data.object as { id?: string }).id === session.id).map((e) => e.type);
      expect(types).toEqual(["checkout.session.completed", `checkout.session.async_payment_${outcome}`]);
    }
  });

  it("expires (API and dashboard) with checkout.session.expired, and the hosted page says so", async () => {
    const a = await topUpSession(900);
    const expired = await stripe.checkout.sessions.expire(a.session.id);
    expect(expired.status).toBe("expired");
    const b = await topUpSession(900);
    await fake.expireCheckout(b.session.id);
    expect((await stripe.checkout.sessions.retrieve(b.session.id)).status).toBe("expired");
    expect(await (await fetch(`${fake.apiBase}/checkout/pay/${b.session.id}`)).text()).toContain("no longer active");
    const types = fake.events().filter((e): e is Stripe.CheckoutSessionExpiredEvent => e.type === "checkout.session.expired").map((e) => e.data.object.id);
    expect(types).toEqual(expect.arrayContaining([a.session.id, b.session.id]));
    const apiEvent = fake.events().find((e): e is Stripe.CheckoutSessionExpiredEvent => e.type === "checkout.session.expired" && e.data.object.id === a.session.id);
    expect(apiEvent?.request?.id).toMatch(/^req_/);
  });
});
