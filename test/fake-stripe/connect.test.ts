import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { startFakeStripe, type FakeStripe } from "./index";
import { startReceiver } from "./receiver";

let nowMs = Date.UTC(2026, 11, 1, 12);
let fake: FakeStripe;
let stripe: Stripe;

beforeAll(async () => {
  fake = await startFakeStripe({ seed: 10, clock: () => nowMs });
  stripe = fake.client();
});
afterAll(() => fake.close());
afterEach(() => {
  fake.connectPayouts = "paid";
});

/** Exactly what Spotlane creates (STRIPE.md "Providers: Connect"). */
const EXPRESS: Stripe.AccountCreateParams = {
  controller: { fees: { payer: "application" }, losses: { payments: "application" }, requirement_collection: "stripe", stripe_dashboard: { type: "express" } },
  capabilities: { transfers: { requested: true } },
  settings: { payouts: { schedule: { interval: "manual" } } },
  country: "US",
  email: "provider@example.com",
  metadata: { organization_id: "org_1" },
};

async function newAccount(params: Stripe.AccountCreateParams = EXPRESS, key?: string): Promise<Stripe.Account> {
  return stripe.accounts.create(params, key ? { idempotencyKey: key } : undefined);
}

async function onboarded(opts: { tax?: boolean } = {}): Promise<Stripe.Account> {
  const account = await newAccount();
  return fake.completeOnboarding(account.id, opts);
}

async function rejected(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof Stripe.errors.StripeError)) throw new Error(`expected a StripeError, got ${String(e)}`);
  return e;
}

function eventsFor(id: string): Stripe.Event[] {
  return fake.events().filter((e) => (e.data.object as { id?: string }).id === id);
}

/** Fetches an onboarding link as a browser does, then POSTs its form's `action`. */
async function submitOnboarding(url: string, action: string): Promise<Response> {
  const page = await (await fetch(url, { redirect: "manual" })).text();
  expect(page).toContain(`value="${action}"`);
  return fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `action=${action}`, redirect: "manual" });
}

describe("fake Stripe Connect: accounts", () => {
  it("creates an Express account that owes onboarding, with Stripe's fields, and replays it by idempotency key", async () => {
    const account = await newAccount(EXPRESS, "connect_account:org_1");
    expect(account.id).toMatch(/^acct_[A-Za-z0-9]{16}$/);
    expect(account).toMatchObject({
      object: "account",
      type: "express",
      country: "US",
      email: "provider@example.com",
      details_submitted: false,
      payouts_enabled: false,
      charges_enabled: false,
      capabilities: { transfers: "inactive" },
      controller: { fees: { payer: "application" }, losses: { payments: "application" }, requirement_collection: "stripe", stripe_dashboard: { type: "express" }, is_controller: true, type: "application" },
      settings: { payouts: { schedule: { interval: "manual" } } },
      metadata: { organization_id: "org_1" },
      requirements: { disabled_reason: "requirements.past_due", current_deadline: null },
      external_accounts: { object: "list", data: [] },
    });
    for (const f of ["business_type", "external_account", "individual.first_name", "individual.last_name", "individual.dob.day", "individual.ssn_last_4", "tos_acceptance.date", "tos_acceptance.ip"]) {
      expect(account.requirements?.currently_due).toContain(f);
      expect(account.requirements?.past_due).toContain(f);
      expect(account.requirements?.eventually_due).toContain(f);
    }
    const again = await newAccount(EXPRESS, "connect_account:org_1");
    expect(again.id).toBe(account.id);
    expect(fake.accounts().filter((a) => a.metadata?.organization_id === "org_1")).toHaveLength(1);
    expect((await stripe.accounts.retrieve(account.id)).email).toBe("provider@example.com");
    expect((await stripe.accounts.list({ limit: 100 })).data.map((a) => a.id)).toContain(account.id);
  });

  it("refuses type together with controller, unknown parameters, and unknown accounts", async () => {
    expect((await rejected(newAccount({ ...EXPRESS, type: "express" }))).param).toBe("type");
    expect(await rejected(stripe.accounts.create({ ...EXPRESS, bogus: 1 } as Stripe.AccountCreateParams))).toMatchObject({ code: "parameter_unknown" });
    expect(await rejected(stripe.accounts.retrieve("acct_1NoSuchAccount00"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("updates metadata and emits account.updated as a Connect event with previous_attributes", async () => {
    const account = await newAccount();
    const updated = await stripe.accounts.update(account.id, { metadata: { note: "x" } });
    expect(updated.metadata).toEqual({ organization_id: "org_1", note: "x" });
    const [event] = eventsFor(account.id).filter((e) => e.type === "account.updated");
    expect(event).toMatchObject({ account: account.id, data: { object: { id: account.id, metadata: { note: "x" } }, previous_attributes: { metadata: { organization_id: "org_1" } } } });
  });

  it("completeOnboarding enables transfers and payouts with a bank account; tax: false leaves the SSN eventually due", async () => {
    const account = await newAccount();
    const done = await fake.completeOnboarding(account.id);
    expect(done).toMatchObject({ details_submitted: true, payouts_enabled: true, capabilities: { transfers: "active" }, business_type: "individual", requirements: { currently_due: [], eventually_due: [], past_due: [], disabled_reason: null } });
    // A recipient (transfers only) takes no charges, as on Stripe.
    expect(done.charges_enabled).toBe(false);
    expect(done.external_accounts?.data[0]).toMatchObject({ object: "bank_account", bank_name: "STRIPE TEST BANK", last4: "6789", default_for_currency: true, account: account.id });
    const types = eventsFor(account.id).map((e) => e.type);
    expect(types).toEqual(["account.updated"]);
    const ev = eventsFor(account.id)[0] as Stripe.AccountUpdatedEvent;
    expect(ev.account).toBe(account.id);
    expect(ev.data.previous_attributes).toMatchObject({ details_submitted: false, payouts_enabled: false, capabilities: { transfers: "inactive" } });
    expect(fake.events().some((e) => e.type === "account.external_account.created" && e.account === account.id)).toBe(true);
    const noTax = await onboarded({ tax: false });
    expect(noTax).toMatchObject({ payouts_enabled: true, capabilities: { transfers: "active" }, requirements: { currently_due: [], eventually_due: ["individual.ssn_last_4"] } });
  });

  it("requireMore asks for fields by a deadline, or (disable) stops payouts and transfers", async () => {
    const account = await onboarded();
    const asked = await fake.requireMore(account.id, ["individual.verification.document"]);
    expect(asked).toMatchObject({ payouts_enabled: true, requirements: { currently_due: ["individual.verification.document"], past_due: [], disabled_reason: null } });
    expect(asked.requirements?.current_deadline).toBe(Math.floor(nowMs / 1000) + 14 * 86_400);
    const disabled = await fake.requireMore(account.id, ["individual.id_number"], { disable: true });
    expect(disabled).toMatchObject({ payouts_enabled: false, capabilities: { transfers: "inactive" }, requirements: { currently_due: ["individual.id_number"], past_due: ["individual.id_number"], disabled_reason: "requirements.past_due" } });
    expect(eventsFor(account.id).filter((e) => e.type === "account.updated").map((e) => e.account)).toEqual([account.id, account.id, account.id]);
    fake.addPlatformFunds(1000);
    expect(await rejected(stripe.transfers.create({ amount: 100, currency: "usd", destination: account.id }))).toMatchObject({ code: "insufficient_capabilities_for_transfer" });
  });
});

describe("fake Stripe Connect: account links and the hosted onboarding page", () => {
  it("creates a link into the hosted page that expires in 300 s", async () => {
    const account = await newAccount();
    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", refresh_url: "http://app.test/payouts?onboarding=refresh", return_url: "http://app.test/payouts?onboarding=return" });
    expect(link).toMatchObject({ object: "account_link", created: Math.floor(nowMs / 1000), expires_at: Math.floor(nowMs / 1000) + 300 });
    expect(link.url).toMatch(new RegExp(`^${fake.apiBase}/connect/onboarding/[A-Za-z0-9]+$`));
    const page = await (await fetch(link.url)).text();
    expect(page).toContain(account.id);
    for (const id of ["onboarding-submit", "onboarding-submit-no-tax", "onboarding-cancel"]) expect(page).toContain(`data-testid="${id}"`);
  });

  it("submitting goes to return_url and enables the account; the used link then goes to refresh_url", async () => {
    const account = await newAccount();
    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", refresh_url: "http://app.test/r", return_url: "http://app.test/ok" });
    const res = await submitOnboarding(link.url, "submit");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("http://app.test/ok");
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({ details_submitted: true, payouts_enabled: true, capabilities: { transfers: "active" } });
    const again = await fetch(link.url, { redirect: "manual" });
    expect([again.status, again.headers.get("location")]).toEqual([303, "http://app.test/r"]);
    const post = await fetch(link.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "action=submit", redirect: "manual" });
    expect(post.headers.get("location")).toBe("http://app.test/r");
  });

  it("a link opened twice (a reload) or after expires_at goes to refresh_url; cancel too; no-tax submits", async () => {
    const account = await newAccount();
    const params = { account: account.id, type: "account_onboarding" as const, refresh_url: "http://app.test/r", return_url: "http://app.test/ok" };
    const opened = await stripe.accountLinks.create(params);
    expect((await fetch(opened.url, { redirect: "manual" })).status).toBe(200);
    expect((await fetch(opened.url, { redirect: "manual" })).headers.get("location")).toBe("http://app.test/r");
    const stale = await stripe.accountLinks.create(params);
    nowMs += 301_000;
    expect((await fetch(stale.url, { redirect: "manual" })).headers.get("location")).toBe("http://app.test/r");
    const cancelled = await submitOnboarding((await stripe.accountLinks.create(params)).url, "cancel");
    expect(cancelled.headers.get("location")).toBe("http://app.test/r");
    expect((await stripe.accounts.retrieve(account.id)).details_submitted).toBe(false);
    const noTax = await submitOnboarding((await stripe.accountLinks.create(params)).url, "submit_no_tax");
    expect(noTax.headers.get("location")).toBe("http://app.test/ok");
    expect((await stripe.accounts.retrieve(account.id)).requirements?.eventually_due).toEqual(["individual.ssn_last_4"]);
  });

  it("refuses account_update links for Express accounts, missing URLs and unknown accounts", async () => {
    const account = await newAccount();
    expect((await rejected(stripe.accountLinks.create({ account: account.id, type: "account_update", refresh_url: "http://app.test/r", return_url: "http://app.test/ok" }))).param).toBe("type");
    expect((await rejected(stripe.accountLinks.create({ account: account.id, type: "account_onboarding", return_url: "http://app.test/ok" }))).param).toBe("refresh_url");
    expect(await rejected(stripe.accountLinks.create({ account: "acct_1NoSuchAccount00", type: "account_onboarding", refresh_url: "http://app.test/r", return_url: "http://app.test/ok" }))).toMatchObject({ statusCode: 400, param: "account", code: "resource_missing" });
  });
});

describe("fake Stripe Connect: login links and the Stripe-Account header", () => {
  it("refuses a login link before onboarding; after it, the link opens the Express dashboard with the balance", async () => {
    const account = await newAccount();
    expect(await rejected(stripe.accounts.createLoginLink(account.id))).toMatchObject({ type: "StripeInvalidRequestError", statusCode: 400 });
    await fake.completeOnboarding(account.id);
    const link = await stripe.accounts.createLoginLink(account.id);
    expect(link).toMatchObject({ object: "login_link", url: `${fake.apiBase}/connect/express/${account.id}` });
    fake.addPlatformFunds(5000);
    await stripe.transfers.create({ amount: 1234, currency: "usd", destination: account.id });
    const page = await (await fetch(link.url)).text();
    expect(page).toContain("$12.34");
  });

  it("answers 403 for an account the platform does not control, refuses the header where not modelled, and scopes idempotency keys per account", async () => {
    const err = await rejected(stripe.balance.retrieve({}, { stripeAccount: "acct_1NoSuchAccount00" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(err).toMatchObject({ statusCode: 403, code: "account_invalid" });
    expect(err.message).toContain("does not have access to account 'acct_1NoSuchAccount00'");
    const a = await onboarded();
    const b = await onboarded();
    expect((await rejected(stripe.customers.create({}, { stripeAccount: a.id }))).message).toContain("platform account only");
    expect((await rejected(stripe.payouts.create({ amount: 100, currency: "usd" }))).message).toContain("connected accounts only");
    fake.addPlatformFunds(2000);
    await stripe.transfers.create({ amount: 500, currency: "usd", destination: a.id });
    await stripe.transfers.create({ amount: 500, currency: "usd", destination: b.id });
    const pa = await stripe.payouts.create({ amount: 200, currency: "usd" }, { stripeAccount: a.id, idempotencyKey: "payout:same" });
    const pb = await stripe.payouts.create({ amount: 200, currency: "usd" }, { stripeAccount: b.id, idempotencyKey: "payout:same" });
    expect(pa.id).not.toBe(pb.id);
    const replay = await stripe.payouts.create({ amount: 200, currency: "usd" }, { stripeAccount: a.id, idempotencyKey: "payout:same" });
    expect(replay.id).toBe(pa.id);
    expect(fake.connectedBalance(a.id)).toBe(300);
    expect(await rejected(stripe.payouts.retrieve(pa.id, {}, { stripeAccount: b.id }))).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("lists each account's own events: the platform's without the header, a connected account's with it", async () => {
    const account = await onboarded();
    const mine = await stripe.events.list({ type: "account.updated", limit: 100 }, { stripeAccount: account.id });
    expect(mine.data.map((e) => e.account)).toEqual([account.id]);
    const id = mine.data[0]?.id as string;
    expect((await stripe.events.retrieve(id, {}, { stripeAccount: account.id })).type).toBe("account.updated");
    expect((await rejected(stripe.events.retrieve(id))).statusCode).toBe(404);
    expect((await stripe.events.list({ limit: 100 })).data.every((e) => e.account === undefined)).toBe(true);
  });

  it("deauthorize: account.application.deauthorized, then 403 on its behalf and no transfers to it", async () => {
    const account = await onboarded();
    await fake.deauthorize(account.id);
    expect(fake.events().at(-1)).toMatchObject({ type: "account.application.deauthorized", account: account.id, data: { object: { object: "application" } } });
    expect((await rejected(stripe.balance.retrieve({}, { stripeAccount: account.id }))).statusCode).toBe(403);
    expect((await rejected(stripe.accounts.retrieve(account.id))).statusCode).toBe(403);
    expect((await rejected(stripe.transfers.create({ amount: 100, currency: "usd", destination: account.id }))).param).toBe("destination");
  });
});

describe("fake Stripe Connect: transfers and balances", () => {
  it("makes a transfer with Stripe's fields, its event and balance transactions on both sides; lists by transfer_group", async () => {
    const account = await onboarded();
    const before = fake.platformBalance();
    fake.addPlatformFunds(10_000);
    expect(fake.platformBalance()).toBe(before + 10_000);
    const transfer = await stripe.transfers.create(
      { amount: 2500, currency: "usd", destination: account.id, transfer_group: "pyt_1", metadata: { payout_id: "pyt_1" }, description: "Spotlane earnings" },
      { idempotencyKey: "payout:pyt_1:transfer" },
    );
    expect(transfer).toMatchObject({ object: "transfer", amount: 2500, amount_reversed: 0, currency: "usd", destination: account.id, livemode: false, metadata: { payout_id: "pyt_1" }, reversed: false, source_transaction: null, source_type: "card", transfer_group: "pyt_1", reversals: { object: "list", data: [] } });
    expect(transfer.id).toMatch(/^tr_/);
    expect(transfer.destination_payment).toMatch(/^py_/);
    expect(fake.platformBalance()).toBe(before + 7500);
    expect(fake.connectedBalance(account.id)).toBe(2500);
    const bt = await stripe.balanceTransactions.retrieve(transfer.balance_transaction as string);
    expect(bt).toMatchObject({ type: "transfer", amount: -2500, net: -2500, source: transfer.id, reporting_category: "transfer" });
    const connected = await stripe.balanceTransactions.list({}, { stripeAccount: account.id });
    expect(connected.data.map((t) => [t.type, t.amount])).toEqual([["payment", 2500]]);
    expect(eventsFor(transfer.id).map((e) => [e.type, e.account])).toEqual([["transfer.created", undefined]]);
    const again = await stripe.transfers.create(
      { amount: 2500, currency: "usd", destination: account.id, transfer_group: "pyt_1", metadata: { payout_id: "pyt_1" }, description: "Spotlane earnings" },
      { idempotencyKey: "payout:pyt_1:transfer" },
    );
    expect(again.id).toBe(transfer.id);
    expect((await stripe.transfers.list({ transfer_group: "pyt_1" })).data.map((t) => t.id)).toEqual([transfer.id]);
    expect((await stripe.transfers.list({ destination: account.id })).data).toHaveLength(1);
    expect((await stripe.transfers.retrieve(transfer.id, { expand: ["destination"] })).destination).toMatchObject({ id: account.id, object: "account" });
    const platform = await stripe.balance.retrieve();
    expect(platform).toMatchObject({ object: "balance", available: [{ amount: fake.platformBalance(), currency: "usd" }], pending: [{ amount: 0, currency: "usd" }] });
    expect((await stripe.balance.retrieve({}, { stripeAccount: account.id })).available[0]?.amount).toBe(2500);
  });

  it("counts buyers' charges (net of Stripe's fee) and refunds in the platform balance", async () => {
    const before = fake.platformBalance();
    const session = await stripe.checkout.sessions.create({ mode: "payment", line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 10_000, product_data: { name: "credit" } } }], success_url: "http://app.test/ok" });
    await fake.payCheckout(session.id);
    const pi = (await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] })).payment_intent as Stripe.PaymentIntent;
    // 2.9% + 30¢ of $100 = $3.20.
    expect(fake.platformBalance()).toBe(before + 10_000 - 320);
    await fake.refund(pi.latest_charge as string, 1000);
    expect(fake.platformBalance()).toBe(before + 10_000 - 320 - 1000);
  });

  it("refuses a destination without transfers, another currency, amount < 1, and more than the platform has (saved for the key)", async () => {
    const pending = await newAccount();
    expect(await rejected(stripe.transfers.create({ amount: 100, currency: "usd", destination: pending.id }))).toMatchObject({
      statusCode: 400,
      code: "insufficient_capabilities_for_transfer",
      message: "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
    });
    const account = await onboarded();
    expect((await rejected(stripe.transfers.create({ amount: 100, currency: "eur", destination: account.id }))).param).toBe("currency");
    expect((await rejected(stripe.transfers.create({ amount: 0, currency: "usd", destination: account.id }))).param).toBe("amount");
    expect((await rejected(stripe.transfers.create({ amount: 100, currency: "usd", destination: "acct_1NoSuchAccount00" }))).message).toBe("No such destination: 'acct_1NoSuchAccount00'");
    const tooMuch = fake.platformBalance() + 1;
    const err = await rejected(stripe.transfers.create({ amount: tooMuch, currency: "usd", destination: account.id }, { idempotencyKey: "short" }));
    expect(err).toMatchObject({ type: "StripeInvalidRequestError", code: "balance_insufficient" });
    expect(err.message).toContain("insufficient available funds");
    fake.addPlatformFunds(tooMuch);
    const replay = await rejected(stripe.transfers.create({ amount: tooMuch, currency: "usd", destination: account.id }, { idempotencyKey: "short" }));
    expect(replay.code).toBe("balance_insufficient");
    expect((await stripe.transfers.create({ amount: tooMuch, currency: "usd", destination: account.id }, { idempotencyKey: "short:2" })).amount).toBe(tooMuch);
  });

  it("failNext reset_after: Stripe made the transfer but the caller never heard; the same key answers the same transfer", async () => {
    const account = await onboarded();
    fake.addPlatformFunds(1000);
    // Two: the SDK retries a closed connection once by itself (same key), even with retries off.
    fake.failNext({ method: "POST", path: /^\/v1\/transfers$/ }, 2, "reset_after");
    const params = { amount: 700, currency: "usd", destination: account.id, transfer_group: "pyt_crash" };
    await expect(stripe.transfers.create(params, { idempotencyKey: "payout:pyt_crash:transfer" })).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const retry = await stripe.transfers.create(params, { idempotencyKey: "payout:pyt_crash:transfer" });
    expect(fake.transfers().filter((t) => t.transfer_group === "pyt_crash").map((t) => t.id)).toEqual([retry.id]);
  });
});

describe("fake Stripe Connect: reversals", () => {
  async function funded(cents: number): Promise<{ account: Stripe.Account; transfer: Stripe.Transfer }> {
    const account = await onboarded();
    fake.addPlatformFunds(cents);
    const transfer = await stripe.transfers.create({ amount: cents, currency: "usd", destination: account.id, transfer_group: "pyt_r" });
    return { account, transfer };
  }

  it("reverses partially then fully, with transfer.reversed + transfer.updated each time, and refuses more than is left", async () => {
    const { account, transfer } = await funded(1000);
    const platform = fake.platformBalance();
    const r1 = await stripe.transfers.createReversal(transfer.id, { amount: 300, metadata: { reason: "clawback" } });
    expect(r1).toMatchObject({ object: "transfer_reversal", amount: 300, currency: "usd", transfer: transfer.id, metadata: { reason: "clawback" } });
    expect(r1.id).toMatch(/^trr_/);
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({ amount_reversed: 300, reversed: false });
    expect(await rejected(stripe.transfers.createReversal(transfer.id, { amount: 701 }))).toMatchObject({ statusCode: 400, param: "amount" });
    const r2 = await stripe.transfers.createReversal(transfer.id);
    expect(r2.amount).toBe(700);
    const after = await stripe.transfers.retrieve(transfer.id);
    expect(after).toMatchObject({ amount_reversed: 1000, reversed: true });
    expect(after.reversals.data.map((r) => r.id)).toEqual([r2.id, r1.id]);
    expect((await stripe.transfers.listReversals(transfer.id)).data.map((r) => r.amount)).toEqual([700, 300]);
    expect((await stripe.transfers.retrieveReversal(transfer.id, r1.id)).amount).toBe(300);
    expect(eventsFor(transfer.id).map((e) => e.type)).toEqual(["transfer.created", "transfer.reversed", "transfer.updated", "transfer.reversed", "transfer.updated"]);
    const firstReversed = eventsFor(transfer.id)[1] as Stripe.TransferReversedEvent;
    expect(firstReversed.data.previous_attributes).toMatchObject({ amount_reversed: 0, reversed: false });
    expect(fake.platformBalance()).toBe(platform + 1000);
    expect(fake.connectedBalance(account.id)).toBe(0);
    expect((await stripe.balanceTransactions.retrieve(r1.balance_transaction as string)).type).toBe("transfer_refund");
    expect((await rejected(stripe.transfers.createReversal(transfer.id, { amount: 1 }))).message).toContain("fully reversed");
  });

  it("refuses a reversal the connected balance cannot cover (it was paid out); the Dashboard knob too", async () => {
    const { account, transfer } = await funded(1000);
    fake.connectPayouts = "manual";
    await stripe.payouts.create({ amount: 800, currency: "usd" }, { stripeAccount: account.id });
    expect(await rejected(stripe.transfers.createReversal(transfer.id, { amount: 500 }))).toMatchObject({ code: "balance_insufficient" });
    const byHand = await fake.reverseTransfer(transfer.id, 200);
    expect(byHand.amount).toBe(200);
    expect(eventsFor(transfer.id).find((e) => e.type === "transfer.reversed")?.request).toEqual({ id: null, idempotency_key: null });
    await expect(fake.reverseTransfer(transfer.id, 1)).rejects.toThrow(/Insufficient funds/);
  });
});

describe("fake Stripe Connect: connected accounts' bank payouts", () => {
  async function withBalance(cents: number): Promise<Stripe.Account> {
    const account = await onboarded();
    fake.addPlatformFunds(cents);
    await stripe.transfers.create({ amount: cents, currency: "usd", destination: account.id });
    return account;
  }

  it("paid (default): pending → payout.created, then in_transit (payout.updated) and paid (payout.paid), all with event.account", async () => {
    const account = await withBalance(1500);
    const payout = await stripe.payouts.create({ amount: 1500, currency: "usd", metadata: { payout_id: "pyt_b" }, description: "Spotlane earnings" }, { stripeAccount: account.id, idempotencyKey: "payout:pyt_b:bank:0" });
    const bank = account.external_accounts?.data[0]?.id;
    expect(payout).toMatchObject({ object: "payout", amount: 1500, currency: "usd", status: "pending", automatic: false, method: "standard", type: "bank_account", destination: bank, metadata: { payout_id: "pyt_b" } });
    expect(payout.arrival_date).toBeGreaterThan(payout.created);
    expect(fake.connectedBalance(account.id)).toBe(0);
    await fake.flushWebhooks();
    expect(eventsFor(payout.id).map((e) => [e.type, e.account, (e.data.object as Stripe.Payout).status])).toEqual([
      ["payout.created", account.id, "pending"],
      ["payout.updated", account.id, "in_transit"],
      ["payout.paid", account.id, "paid"],
    ]);
    expect((await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: account.id })).status).toBe("paid");
    expect((await stripe.payouts.list({}, { stripeAccount: account.id })).data.map((p) => p.id)).toEqual([payout.id]);
    expect((await stripe.balanceTransactions.retrieve(payout.balance_transaction as string, {}, { stripeAccount: account.id })).type).toBe("payout");
  });

  it("failed: payout.failed with account_closed and the amount back in the connected balance", async () => {
    const account = await withBalance(900);
    fake.connectPayouts = "failed";
    const payout = await stripe.payouts.create({ amount: 900, currency: "usd" }, { stripeAccount: account.id });
    await fake.flushWebhooks();
    const failed = await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: account.id });
    expect(failed).toMatchObject({ status: "failed", failure_code: "account_closed", failure_message: "The bank account has been closed." });
    expect(eventsFor(payout.id).map((e) => e.type)).toEqual(["payout.created", "payout.failed"]);
    expect(fake.connectedBalance(account.id)).toBe(900);
    expect((await stripe.balanceTransactions.list({ type: "payout_failure" }, { stripeAccount: account.id })).data.map((t) => t.amount)).toEqual([900]);
  });

  it("manual: stays pending until settlePayout; cancel returns a pending payout", async () => {
    const account = await withBalance(1000);
    fake.connectPayouts = "manual";
    const payout = await stripe.payouts.create({ amount: 400, currency: "usd" }, { stripeAccount: account.id });
    await fake.flushWebhooks();
    expect((await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: account.id })).status).toBe("pending");
    await fake.settlePayout(payout.id, "paid");
    expect(fake.payouts().find((p) => p.id === payout.id)?.status).toBe("paid");
    await expect(fake.settlePayout(payout.id, "failed")).rejects.toThrow(/only pending or in_transit/);
    const second = await stripe.payouts.create({ amount: 100, currency: "usd" }, { stripeAccount: account.id });
    expect((await stripe.payouts.cancel(second.id, {}, { stripeAccount: account.id })).status).toBe("canceled");
    expect(fake.connectedBalance(account.id)).toBe(600);
    expect(eventsFor(second.id).map((e) => e.type)).toEqual(["payout.created", "payout.canceled"]);
  });

  it("refuses more than the connected balance, and payouts on an account whose payouts are disabled", async () => {
    const account = await withBalance(500);
    expect(await rejected(stripe.payouts.create({ amount: 501, currency: "usd" }, { stripeAccount: account.id }))).toMatchObject({ statusCode: 400, code: "balance_insufficient" });
    await fake.requireMore(account.id, ["external_account"], { disable: true });
    expect(await rejected(stripe.payouts.create({ amount: 100, currency: "usd" }, { stripeAccount: account.id }))).toMatchObject({ code: "payouts_not_allowed" });
  });
});

describe("fake Stripe Connect: webhooks", () => {
  it("signs connected accounts' events with the Connect secret and the platform's with the platform secret", async () => {
    const f = await startFakeStripe({ seed: 11, connectWebhookSecret: "whsec_connect_only" });
    const connectReceiver = await startReceiver("whsec_connect_only");
    try {
      expect(f.env().STRIPE_CONNECT_WEBHOOK_SECRET).toBe("whsec_connect_only");
      f.setWebhookUrl(connectReceiver.url);
      f.delivery.max_attempts = 1;
      const s = f.client();
      const account = await s.accounts.create(EXPRESS);
      await f.completeOnboarding(account.id);
      f.addPlatformFunds(100);
      await s.transfers.create({ amount: 100, currency: "usd", destination: account.id });
      await f.flushWebhooks();
      const byType = new Map(connectReceiver.received.map((r) => [r.event.type, r.signatureOk]));
      expect(byType.get("account.updated")).toBe(true);
      expect(byType.get("transfer.created")).toBe(false);
    } finally {
      await connectReceiver.close();
      await f.close();
    }
    expect(fake.env().STRIPE_CONNECT_WEBHOOK_SECRET).toBeUndefined();
    expect(fake.connectWebhookSecret).toBe(fake.webhookSecret);
  });

  it("delivers Connect events with duplicates and shuffle like the platform's", async () => {
    const f = await startFakeStripe({ seed: 12, delivery: { duplicates: 1, shuffle: true } });
    const receiver = await startReceiver(f.webhookSecret);
    try {
      f.setWebhookUrl(receiver.url);
      const s = f.client();
      const account = await s.accounts.create(EXPRESS);
      await f.completeOnboarding(account.id);
      await f.flushWebhooks();
      const updates = receiver.received.filter((r) => r.event.type === "account.updated");
      expect(updates).toHaveLength(2);
      expect(updates.every((r) => r.signatureOk && r.event.account === account.id)).toBe(true);
    } finally {
      await receiver.close();
      await f.close();
    }
  });
});
