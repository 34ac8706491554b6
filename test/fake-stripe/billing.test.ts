import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { startFakeStripe, type FakeStripe } from "./index";

let fake: FakeStripe;
let stripe: Stripe;
let clockMs = Date.UTC(2026, 11, 1, 12, 0, 0);

beforeAll(async () => {
  fake = await startFakeStripe({ seed: 5, clock: () => clockMs });
  stripe = fake.client();
});
afterAll(() => fake.close());

const now = () => Math.floor(clockMs / 1000);

describe("fake Stripe: meters, subscriptions, invoices", () => {
  it("has the metered price on the spotlane_usage_nanos meter", async () => {
    const price = await stripe.prices.retrieve(fake.meteredPriceId);
    expect(price.recurring).toMatchObject({ usage_type: "metered", interval: "month", meter: fake.meterId });
    expect(price.unit_amount_decimal?.toString()).toBe("0.0000001");
    const meters = await stripe.billing.meters.list();
    expect(meters.data.map((m) => [m.event_name, m.default_aggregation.formula])).toEqual([["spotlane_usage_nanos", "sum"]]);
  });

  it("validates meter events like Stripe and refuses a duplicate identifier", async () => {
    const customer = await stripe.customers.create({});
    const push = (value: string, identifier: string, timestamp = now()) => stripe.billing.meterEvents.create({ event_name: "spotlane_usage_nanos", payload: { stripe_customer_id: customer.id, value }, identifier, timestamp });
    const ok = await push("1500000000", "usage:1");
    expect(ok).toMatchObject({ object: "billing.meter_event", identifier: "usage:1", payload: { value: "1500000000" } });
    const dup = (await push("1500000000", "usage:1").catch((e: unknown) => e)) as Stripe.errors.StripeInvalidRequestError;
    expect(dup).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(dup.code).toBe("duplicate_meter_event");
    expect(dup.message).toContain("identifier");
    await expect(push("1234567890123456", "usage:2")).rejects.toMatchObject({ statusCode: 400, param: "payload[value]" });
    await expect(push("12.5e3", "usage:3")).rejects.toMatchObject({ statusCode: 400 });
    await expect(push("1", "usage:4", now() - 36 * 86_400)).rejects.toMatchObject({ param: "timestamp" });
    await expect(push("1", "usage:5", now() + 6 * 60)).rejects.toMatchObject({ param: "timestamp" });
    await expect(stripe.billing.meterEvents.create({ event_name: "nope", payload: { stripe_customer_id: customer.id, value: "1" } })).rejects.toMatchObject({ param: "event_name" });
    expect(fake.meterEvents().map((e) => e.identifier)).toEqual(["usage:1"]);
  });

  it("invoices a subscription's usage since the last invoice, rounded half-up to cents, then pays or fails it", async () => {
    const customer = await stripe.customers.create({ email: "inv@example.com" });
    const other = await stripe.customers.create({});
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: fake.meteredPriceId }] });
    expect(sub).toMatchObject({ status: "active", customer: customer.id });
    const first = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(first).toMatchObject({ billing_reason: "subscription_create", amount_due: 0, status: "paid" });
    const push = (cust: string, value: string, id: string) => stripe.billing.meterEvents.create({ event_name: "spotlane_usage_nanos", payload: { stripe_customer_id: cust, value }, identifier: id });
    // 12.345 USD + 0.0051 USD = 12.3501 USD = 1235.01 cents → 1235; the other customer's usage is not billed.
    await push(customer.id, "12345000000", "a:1");
    await push(customer.id, "5100000", "a:2");
    await push(other.id, "999000000000", "b:1");
    const invoice = await fake.invoiceSubscription(sub.id, "paid");
    expect(invoice).toMatchObject({ status: "paid", amount_due: 1235, amount_paid: 1235, amount_remaining: 0, billing_reason: "subscription_cycle", customer: customer.id });
    expect(invoice.lines.data[0]?.quantity_decimal?.toString()).toBe("12350100000");
    expect(await (await fetch(invoice.hosted_invoice_url as string)).text()).toContain("$12.35");
    // Half-up at exactly .5 cents: 50,000,000 nanos = 5 cents; 5,000,000 = 0.5 cent → 1.
    await push(customer.id, "5000000", "a:3");
    const failed = await fake.invoiceSubscription(sub.id, "payment_failed");
    expect(failed).toMatchObject({ status: "open", amount_due: 1, amount_paid: 0, attempted: true, attempt_count: 1 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    const retried = await fake.payInvoice(failed.id);
    expect(retried.status).toBe("paid");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    const listed = await stripe.invoices.list({ customer: customer.id });
    expect(listed.data.map((i) => i.id)).toEqual([failed.id, invoice.id, first.id]);
    const types = fake.events().filter((e) => (e.data.object as { id?: string }).id === failed.id).map((e) => e.type);
    expect(types).toEqual(["invoice.created", "invoice.finalized", "invoice.payment_failed", "invoice.paid", "invoice.payment_succeeded"]);
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled.status).toBe("canceled");
  });

  it("a subscription set to cancel at period end sends its last invoice, then ends", async () => {
    const customer = await stripe.customers.create({});
    const pm = await fake.addPaymentMethod(customer.id);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: fake.meteredPriceId }], default_payment_method: pm.id });
    const ending = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(ending).toMatchObject({ status: "active", cancel_at_period_end: true, cancel_at: sub.items.data[0]?.current_period_end });
    await stripe.billing.meterEvents.create({ event_name: "spotlane_usage_nanos", payload: { stripe_customer_id: customer.id, value: "100000000" }, identifier: "end:1" });
    const last = await fake.invoiceSubscription(sub.id, "paid");
    expect(last).toMatchObject({ amount_paid: 10, status: "paid" });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
    expect(fake.events().at(-1)?.type).toBe("customer.subscription.deleted");
    const other = await stripe.customers.create({});
    await expect(stripe.subscriptions.create({ customer: other.id, items: [{ price: fake.meteredPriceId }], default_payment_method: pm.id })).rejects.toMatchObject({ param: "default_payment_method" });
  });
});
