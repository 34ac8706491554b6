import { afterEach, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { startFakeStripe, type FakeStripe } from "./index";
import { startReceiver, type Receiver } from "./receiver";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setup(opts: Parameters<typeof startFakeStripe>[0] = {}): Promise<{ fake: FakeStripe; stripe: Stripe; receiver: Receiver }> {
  const fake = await startFakeStripe(opts);
  const receiver = await startReceiver(fake.webhookSecret);
  open.push(fake, receiver);
  fake.setWebhookUrl(receiver.url);
  return { fake, stripe: fake.client(), receiver };
}

async function paidSession(fake: FakeStripe, stripe: Stripe): Promise<Stripe.Checkout.Session> {
  const customer = await stripe.customers.create({ email: "b@example.com" });
  const session = await stripe.checkout.sessions.create({ mode: "payment", customer: customer.id, line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 1000, product_data: { name: "credit" } } }], success_url: "http://app.test/ok" });
  expect((await fake.payCheckout(session.id)).error).toBeNull();
  return session;
}

describe("fake Stripe: webhook delivery", () => {
  it("signs every delivery so constructEvent accepts it, and a wrong secret rejects it", async () => {
    const { fake, stripe, receiver } = await setup();
    await stripe.customers.create({ email: "x@example.com" });
    await fake.flushWebhooks();
    expect(receiver.received.map((r) => [r.event.type, r.signatureOk])).toEqual([["customer.created", true]]);
    const other = await startReceiver("whsec_wrong");
    open.push(other);
    fake.setWebhookUrl(other.url);
    fake.delivery.max_attempts = 1;
    await stripe.customers.create({ email: "y@example.com" });
    await fake.flushWebhooks();
    expect(other.received.map((r) => r.signatureOk)).toEqual([false]);
    expect(fake.deliveries().at(-1)).toMatchObject({ type: "customer.created", attempt: 1, status: 400 });
  });

  it("delivers duplicates, and shuffles one action's events reproducibly by seed", async () => {
    const orders: string[][] = [];
    for (const seed of [11, 11, 12]) {
      const { fake, stripe, receiver } = await setup({ seed, delivery: { duplicates: 2, shuffle: true } });
      await paidSession(fake, stripe);
      await fake.flushWebhooks();
      const ids = receiver.received.map((r) => r.event.id);
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect([...counts.values()].every((n) => n === 3)).toBe(true);
      expect(counts.size).toBe(fake.events().length);
      orders.push(receiver.received.map((r) => r.event.type));
    }
    expect(orders[0]).toEqual(orders[1]);
    expect(orders[0]).not.toEqual(orders[2]);
    const unshuffled = ["customer.created", "payment_intent.created", "charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"];
    expect(new Set(orders[0])).toEqual(new Set(unshuffled));
  });

  it("retries after a 500 with backoff, so a later event can arrive before the failed one", async () => {
    const { fake, stripe, receiver } = await setup({ delivery: { retry_base_ms: 30 } });
    receiver.answer = (event, n) => (event.type === "payment_intent.created" && n < 3 ? 500 : 200);
    await paidSession(fake, stripe);
    await fake.flushWebhooks();
    const attempts = fake.deliveries().filter((d) => d.type === "payment_intent.created");
    expect(attempts.map((d) => [d.attempt, d.status])).toEqual([[1, 500], [2, 500], [3, 200]]);
    const okOrder = receiver.received.filter((r) => r.status === 200).map((r) => r.event.type);
    expect(okOrder.indexOf("checkout.session.completed")).toBeLessThan(okOrder.indexOf("payment_intent.created"));
  });

  it("retries a refused connection until max_attempts, then gives up; resend() delivers once more", async () => {
    const { fake, stripe, receiver } = await setup({ delivery: { max_attempts: 3, retry_base_ms: 10 } });
    const url = receiver.url;
    fake.setWebhookUrl("http://127.0.0.1:9/nothing-listens-here");
    await stripe.customers.create({ email: "z@example.com" });
    await fake.flushWebhooks();
    expect(fake.deliveries().map((d) => [d.attempt, d.status])).toEqual([[1, null], [2, null], [3, null]]);
    fake.setWebhookUrl(url);
    const event = fake.events()[0] as Stripe.Event;
    expect(await fake.resend(event.id)).toBe(200);
    expect(receiver.received.map((r) => r.event.id)).toEqual([event.id]);
  });

  it("holds events with auto off until flushWebhooks, and stores them with the request that caused them", async () => {
    const { fake, stripe, receiver } = await setup({ delivery: { auto: false } });
    const customer = await stripe.customers.create({ email: "h@example.com" }, { idempotencyKey: "cust-1" });
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.received).toHaveLength(0);
    await fake.flushWebhooks();
    expect(receiver.received).toHaveLength(1);
    const event = receiver.received[0]?.event as Stripe.CustomerCreatedEvent;
    expect(event.data.object.id).toBe(customer.id);
    expect(event.request).toMatchObject({ idempotency_key: "cust-1" });
    expect(event.request?.id).toMatch(/^req_/);
    const listed = await stripe.events.list({ type: "customer.created" });
    expect(listed.data.map((e) => e.id)).toEqual([event.id]);
    expect((await stripe.events.retrieve(event.id)).type).toBe("customer.created");
  });
});
