import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { startFakeStripe, type FakeStripe } from "./index";

let clockMs = Date.UTC(2026, 10, 1, 12);
let fake: FakeStripe;
let stripe: Stripe;

beforeAll(async () => {
  fake = await startFakeStripe({ seed: 11, clock: () => clockMs });
  stripe = fake.client();
});
afterAll(() => fake.close());

const sec = (ms: number) => Math.floor(ms / 1000);
const HOUR = 3_600_000;

async function all<T>(list: Stripe.ApiListPromise<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of list) out.push(x);
  return out;
}

describe("fake Stripe for reconciliation", () => {
  it("lists balance transactions by created[gte|gt|lt|lte] and created=N, across pages", async () => {
    const t0 = clockMs;
    fake.addPlatformFunds(100);
    clockMs += HOUR;
    fake.addPlatformFunds(200);
    clockMs += HOUR;
    fake.addPlatformFunds(300);
    const amounts = async (params: Stripe.BalanceTransactionListParams) => (await all(stripe.balanceTransactions.list({ ...params, limit: 1 }))).map((b) => b.amount);
    expect(await amounts({ created: { gte: sec(t0), lt: sec(t0 + 2 * HOUR) } })).toEqual([200, 100]);
    expect(await amounts({ created: { gt: sec(t0) } })).toEqual([300, 200]);
    expect(await amounts({ created: { lte: sec(t0 + HOUR) } })).toEqual([200, 100]);
    expect(await amounts({ created: sec(t0 + 2 * HOUR) })).toEqual([300]);
    expect(await amounts({})).toEqual([300, 200, 100]);
    await expect(stripe.balanceTransactions.list({ created: { gte: -1 } as never })).rejects.toMatchObject({ statusCode: 400, param: "created[gte]" });
    await expect(stripe.balanceTransactions.list({ created: { since: 1 } as never })).rejects.toMatchObject({ statusCode: 400, param: "created[since]" });
  });

  it("plants, alters and forgets balance transactions; balances follow", async () => {
    const before = fake.platformBalance();
    const planted = fake.plantBalanceTransaction({ type: "charge", amount: 1000, fee: 59 });
    expect(planted).toMatchObject({ object: "balance_transaction", type: "charge", amount: 1000, fee: 59, net: 941, reporting_category: "charge", status: "available" });
    expect(planted.source).toMatch(/^ch_/);
    expect(fake.platformBalance()).toBe(before + 941);
    expect((await stripe.balanceTransactions.list({ source: planted.source as string })).data.map((b) => b.id)).toEqual([planted.id]);

    const altered = fake.alterBalanceTransaction(planted.id, { fee: 100 });
    expect(altered).toMatchObject({ amount: 1000, fee: 100, net: 900, fee_details: [{ amount: 100, type: "stripe_fee" }] });
    expect(await stripe.balanceTransactions.retrieve(planted.id)).toMatchObject({ fee: 100, net: 900 });
    fake.alterBalanceTransaction(planted.id, { amount: 1200, fee: 0 });
    expect(await stripe.balanceTransactions.retrieve(planted.id)).toMatchObject({ amount: 1200, fee: 0, net: 1200, fee_details: [] });

    const old = fake.plantBalanceTransaction({ type: "refund", source: "re_given", amount: -500, created: sec(Date.UTC(2026, 0, 1)) });
    expect(old).toMatchObject({ source: "re_given", created: sec(Date.UTC(2026, 0, 1)) });
    expect((await stripe.balanceTransactions.list({ created: { lt: sec(Date.UTC(2026, 1, 1)) } })).data.map((b) => b.id)).toEqual([old.id]);

    fake.forgetBalanceTransaction(planted.id);
    await expect(stripe.balanceTransactions.retrieve(planted.id)).rejects.toMatchObject({ statusCode: 404 });
    expect(fake.balanceTransactions().some((b) => b.id === planted.id)).toBe(false);
    expect(() => fake.forgetBalanceTransaction(planted.id)).toThrow(/no such balance transaction/);
  });

  it("a paid subscription invoice has an InvoicePayment whose charge carries the money and Stripe's fee", async () => {
    const customer = await stripe.customers.create({ email: "recon@example.com" });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: fake.meteredPriceId }] });
    // The $0 first invoice moves no money: no payment.
    expect((await stripe.invoicePayments.list({ invoice: sub.latest_invoice as string })).data).toEqual([]);
    await stripe.billing.meterEvents.create({ event_name: "spotlane_usage_nanos", payload: { stripe_customer_id: customer.id, value: "20000000000" }, identifier: "recon:1" });
    const invoice = await fake.invoiceSubscription(sub.id, "paid");
    const [payment, ...more] = (await stripe.invoicePayments.list({ invoice: invoice.id })).data;
    expect(more).toEqual([]);
    expect(payment).toMatchObject({ object: "invoice_payment", invoice: invoice.id, status: "paid", amount_paid: 2000, payment: { type: "payment_intent" } });
    const pi = await stripe.paymentIntents.retrieve(payment!.payment.payment_intent as string);
    expect(pi).toMatchObject({ status: "succeeded", amount: 2000, customer: customer.id });
    expect(payment!.payment.charge).toBe(pi.latest_charge);
    const [bt] = (await stripe.balanceTransactions.list({ source: pi.latest_charge as string })).data;
    expect(bt).toMatchObject({ type: "charge", amount: 2000, fee: 88, net: 1912 });
    // Which invoice a PaymentIntent paid.
    const byPi = await stripe.invoicePayments.list({ payment: { type: "payment_intent", payment_intent: pi.id } });
    expect(byPi.data.map((p) => p.invoice)).toEqual([invoice.id]);
    expect(await stripe.invoicePayments.retrieve(payment!.id)).toMatchObject({ id: payment!.id });
  });

  it("lists a connected account's bank payouts by created", async () => {
    const account = await stripe.accounts.create({
      controller: { fees: { payer: "application" }, losses: { payments: "application" }, requirement_collection: "stripe", stripe_dashboard: { type: "express" } },
      capabilities: { transfers: { requested: true } },
      settings: { payouts: { schedule: { interval: "manual" } } },
      country: "US",
    });
    await fake.completeOnboarding(account.id, { tax: true });
    fake.addPlatformFunds(10_000);
    await stripe.transfers.create({ amount: 3000, currency: "usd", destination: account.id });
    const t0 = clockMs;
    const first = await stripe.payouts.create({ amount: 1000, currency: "usd" }, { stripeAccount: account.id });
    clockMs += HOUR;
    const second = await stripe.payouts.create({ amount: 500, currency: "usd" }, { stripeAccount: account.id });
    await fake.flushWebhooks();
    const ids = async (created: Stripe.RangeQueryParam) => (await stripe.payouts.list({ created }, { stripeAccount: account.id })).data.map((p) => p.id);
    expect(await ids({ gte: sec(t0), lt: sec(t0 + HOUR) })).toEqual([first.id]);
    expect(await ids({ gte: sec(t0 + HOUR) })).toEqual([second.id]);
  });
});
