import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../db/client";
import { auditLog, journalEntries, ledgerLines, organizations, payouts, reconciliationItems, reconciliationRuns } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { centsToNanos } from "../../../lib/money";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { ledgerSumNanos } from "../../../test/ledger";
import { createReconciliationWorker } from "../../../workers/reconciliation";
import { buyerStripeLines, postJournalEntry, type JournalLine } from "../../billing/post-journal-entry";
import type { StripeBilling } from "../../billing/stripe/client";
import type { ServiceContext } from "../../context";
import type { Runtime } from "../../runtime";
import { createLogger } from "../../logger";
import { reconciliationOverview } from "./reconciliation-overview";
import { runReconciliation, STRIPE_FAILED_MESSAGE } from "./run-reconciliation";
import { reconciliationDue } from "./schedule";
import { chargesOfInvoice } from "./stripe-side";
import type { ReconciliationRunView } from "./types";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const EXPRESS: Stripe.AccountCreateParams = {
  controller: { fees: { payer: "application" }, losses: { payments: "application" }, requirement_collection: "stripe", stripe_dashboard: { type: "express" } },
  capabilities: { transfers: { requested: true } },
  settings: { payouts: { schedule: { interval: "manual" } } },
  country: "US",
};
const silent = createLogger({ level: "silent" });

/**
 * Reconciliation against the in-repo fake Stripe through the real SDK, on both databases. The ledger is
 * posted the way the billing code posts it (same kinds, keys, lines and Stripe ids), Stripe's side is made
 * through the fake's API and knobs, and each kind of disagreement the real thing can produce is planted.
 */
describe.each(DB_KINDS)("reconciliation with Stripe on %s", (kind) => {
  let database: Database;
  let fake: FakeStripe;
  let stripe: Stripe;
  let ctx: ServiceContext & { stripe: StripeBilling };
  let clockOffsetMs = 0;
  let buyer: string;
  let provider: string;
  let account: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    fake = await startFakeStripe();
    stripe = fake.client();
    const billing: StripeBilling = { client: stripe, webhook_secret: fake.webhookSecret, connect_webhook_secret: null, meter_event_name: "spotlane_usage_nanos", metered_price_id: fake.meteredPriceId, top_up_min_nanos: 0n, top_up_max_nanos: 10n ** 15n };
    ctx = { db: database.db, now: () => new Date(Date.now() + clockOffsetMs), platform_fee_bps: 1000, test_credit_nanos: 0n, stripe: billing };
    buyer = await org("buyer");
    provider = await org("provider");
    account = (await stripe.accounts.create(EXPRESS)).id;
    await fake.completeOnboarding(account, { tax: true });
  });
  afterAll(async () => {
    await fake?.close();
    await database?.close();
  });

  async function org(name: string): Promise<string> {
    const id = newId("organization");
    await database.db.insert(organizations).values({ id, name, slug: `${name}-${id.slice(-8)}` });
    return id;
  }
  const post = (kind: string, key: string, stripeObjectId: string, lines: JournalLine[], at = new Date()) => postJournalEntry(database.db, { kind, idempotencyKey: key, stripeObjectId, at, lines });

  /** A card top-up charged through Stripe and credited as credit-top-up.ts credits it. */
  async function topUp(cents: number): Promise<Stripe.Charge> {
    const customer = await stripe.customers.create({ email: "buyer@example.com" });
    const pm = await fake.addPaymentMethod(customer.id);
    const pi = await stripe.paymentIntents.create({ amount: cents, currency: "usd", customer: customer.id, payment_method: pm.id, off_session: true, confirm: true });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    await post("top_up", `top_up:${newId("topUp")}`, charge.id, buyerStripeLines(buyer, centsToNanos(cents)));
    return charge;
  }
  async function refund(chargeId: string, cents: number, at?: Date): Promise<Stripe.Refund> {
    const r = await fake.refund(chargeId, cents);
    await post("refund", `refund:${r.id}`, r.id, buyerStripeLines(buyer, -centsToNanos(cents)), at);
    return r;
  }
  async function dispute(chargeId: string, cents: number): Promise<Stripe.Dispute> {
    const d = await fake.openDispute(chargeId, cents);
    await post("dispute_withdrawal", `dispute:${d.id}:withdrawn`, d.id, buyerStripeLines(buyer, -centsToNanos(cents)));
    return d;
  }
  async function transfer(cents: number): Promise<Stripe.Transfer> {
    const t = await stripe.transfers.create({ amount: cents, currency: "usd", destination: account });
    await post("payout_transfer", `payout:${newId("payout")}:transferred`, t.id, [
      { account: "provider_in_transit", organizationId: provider, amount_nanos: -centsToNanos(cents) },
      { account: "stripe_clearing", organizationId: null, amount_nanos: centsToNanos(cents) },
    ]);
    return t;
  }
  async function reversal(transferId: string, cents: number): Promise<Stripe.TransferReversal> {
    const r = await fake.reverseTransfer(transferId, cents);
    await post("payout_reversal", `transfer_reversal:${r.id}`, r.id, [
      { account: "stripe_clearing", organizationId: null, amount_nanos: -centsToNanos(cents) },
      { account: "provider_earnings", organizationId: provider, amount_nanos: centsToNanos(cents) },
    ]);
    return r;
  }
  /** A metered invoice Stripe collected, credited as sync-invoice.ts credits it (the entry names the invoice, not its charge). */
  async function paidInvoice(usageNanos: string, at?: Date): Promise<Stripe.Invoice> {
    const customer = await stripe.customers.create({});
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: fake.meteredPriceId }] });
    await stripe.billing.meterEvents.create({ event_name: "spotlane_usage_nanos", payload: { stripe_customer_id: customer.id, value: usageNanos }, identifier: newId("meterOutbox") });
    const invoice = await fake.invoiceSubscription(sub.id, "paid");
    await post("invoice_payment", `invoice:${invoice.id}:paid`, invoice.id, buyerStripeLines(buyer, centsToNanos(invoice.amount_paid)), at);
    return invoice;
  }

  const itemsOf = (run: ReconciliationRunView) => database.db.select().from(reconciliationItems).where(eq(reconciliationItems.runId, run.id));
  const itemFor = async (run: ReconciliationRunView, stripeObjectId: string) => (await itemsOf(run)).find((i) => i.stripeObjectId === stripeObjectId);
  const feeEntryCount = async () => (await database.db.select({ n: sql<number>`count(*)::int` }).from(journalEntries).where(eq(journalEntries.kind, "stripe_fee")))[0]!.n;
  const sumOf = (where: ReturnType<typeof sql>) => ledgerSumNanos(database.db, where);
  const platformTxns = () => fake.balanceTransactions().filter((b) => !b.source?.toString().startsWith("py"));
  const run = (period?: { start: Date; end: Date }) => runReconciliation(ctx, { trigger: "manual", actor: { userId: "usr_finance", email: "finance@example.com" }, logger: silent, ...(period ? { period } : {}) });

  it("a clean history reconciles with nothing open, posts every Stripe fee once, and a second run posts nothing new", async () => {
    const a = await topUp(100_00);
    const b = await topUp(20_00);
    await refund(a.id, 10_00);
    const d = await dispute(b.id, 20_00);
    const t = await transfer(30_00);
    await reversal(t.id, 5_00);
    const inv = await paidInvoice("12000000000");

    const first = await run();
    expect(first).toMatchObject({ status: "completed", error: null, missing_in_stripe: 0, missing_in_ledger: 0, amount_mismatch: 0, stripe_only: 0 });
    // Two charges, the refund, the dispute, the transfer, the reversal and the invoice (matched on its charge).
    expect(first.matched).toBe(7);
    const fees = platformTxns().reduce((s, bt) => s + centsToNanos(bt.fee), 0n);
    expect(fees).toBeGreaterThan(centsToNanos(15_00));
    expect(first.fees_posted_nanos).toBe(fees);
    expect(await sumOf(sql`${ledgerLines.account} = 'platform_expense'`)).toBe(-fees);
    expect(await ledgerSumNanos(database.db)).toBe(0n);

    // Per Stripe object: what the ledger holds at Stripe is Stripe's net, the dispute's $15 fee included.
    const disputeItem = await itemFor(first, d.id);
    expect(disputeItem).toMatchObject({ status: "matched", kind: "dispute", ledgerNanos: -centsToNanos(20_00 + 15_00), stripeNanos: -centsToNanos(20_00 + 15_00), organizationId: buyer });
    const invoiceItem = await itemFor(first, inv.id);
    expect(invoiceItem).toMatchObject({ status: "matched", kind: "invoice_payment" });
    expect(invoiceItem!.journalEntryIds).toHaveLength(2);
    const clearing = await sumOf(sql`${ledgerLines.account} = 'stripe_clearing'`);
    expect(-clearing).toBe(centsToNanos(fake.platformBalance()));

    const overview = await reconciliationOverview(ctx, { interval_hours: 24 });
    expect(overview).toMatchObject({ available: true, latest: { id: first.id, status: "completed" }, open_mismatches: [] });
    expect(overview.next_scheduled_at?.getTime()).toBe(first.started_at.getTime() + 24 * HOUR);

    const entriesBefore = await feeEntryCount();
    const second = await run();
    expect(second).toMatchObject({ status: "completed", matched: 7, missing_in_stripe: 0, missing_in_ledger: 0, amount_mismatch: 0, fees_posted_nanos: 0n });
    expect(await feeEntryCount()).toBe(entriesBefore);

    const [audit] = await database.db.select().from(auditLog).where(and(eq(auditLog.action, "reconciliation.run"), eq(auditLog.subject, first.id)));
    expect(audit).toMatchObject({ actorEmail: "finance@example.com", details: { matched: "7", missing_in_ledger: "0", fees_posted_nanos: fees.toString(), status: "completed" } });
  });

  it("a balance transaction just outside the period on either side still matches (a late webhook is not missing)", async () => {
    const c = await topUp(40_00);
    const now = Date.now();
    // Stripe refunded inside the period; our entry was posted two days later (after the period).
    await refund(c.id, 5_00, new Date(now + 2 * DAY));
    // Our entry inside the period; Stripe's refund is 60 days old (before the period).
    const old = fake.plantBalanceTransaction({ type: "refund", source: "re_oldrefund", amount: -3_00, created: Math.floor((now - 60 * DAY) / 1000) });
    await post("refund", "refund:re_oldrefund", old.source as string, buyerStripeLines(buyer, -centsToNanos(3_00)));
    // Stripe collected an invoice inside the period; our entry (naming the invoice, not its charge) came later.
    const inv = await paidInvoice("5000000000", new Date(now + 2 * DAY));
    const r = await run({ start: new Date(now - DAY), end: new Date(now + HOUR) });
    expect(r).toMatchObject({ status: "completed", missing_in_stripe: 0, missing_in_ledger: 0, amount_mismatch: 0 });
    expect(await itemFor(r, "re_oldrefund")).toMatchObject({ status: "matched", kind: "refund" });
    expect(await itemFor(r, inv.id)).toMatchObject({ status: "matched", kind: "invoice_payment" });
  });

  it("finds and names each kind of mismatch planted in Stripe; Stripe-only money is counted, never open", async () => {
    // Stripe has a charge the ledger lacks.
    const planted = fake.plantBalanceTransaction({ type: "charge", amount: 7_00, fee: 50 });
    // The ledger booked a top-up Stripe has no balance transaction for.
    const ghost = await topUp(9_00);
    fake.forgetBalanceTransaction(ghost.balance_transaction as string);
    // Stripe's amount differs from the ledger's.
    const off = await topUp(11_00);
    fake.alterBalanceTransaction(off.balance_transaction as string, { amount: 12_00 });
    // Stripe's fee changes after the fee was posted.
    const feeChanged = await topUp(13_00);
    expect((await run()).status).toBe("completed");
    fake.alterBalanceTransaction(feeChanged.balance_transaction as string, { fee: 99 });
    // The platform's own funds: no ledger entry, expected.
    fake.addPlatformFunds(25_00);

    const r = await run();
    expect(r).toMatchObject({ status: "completed", missing_in_ledger: 1, missing_in_stripe: 1, amount_mismatch: 2, stripe_only: 1 });
    expect(await itemFor(r, planted.source as string)).toMatchObject({ status: "missing_in_ledger", kind: "charge", ledgerNanos: null, stripeNanos: centsToNanos(6_50) });
    expect(await itemFor(r, ghost.id)).toMatchObject({ status: "missing_in_stripe", kind: "charge", ledgerNanos: centsToNanos(9_00), stripeNanos: null, organizationId: buyer });
    const amount = await itemFor(r, off.id);
    expect(amount).toMatchObject({ status: "amount_mismatch", kind: "charge" });
    expect(amount!.description).toMatch(/amount: ledger \$11\.00, Stripe \$12\.00/);
    const fee = await itemFor(r, feeChanged.id);
    expect(fee).toMatchObject({ status: "amount_mismatch" });
    expect(fee!.description).toMatch(/fee: ledger \$0\.68, Stripe \$0\.99/);
    expect(fee!.description).not.toMatch(/amount:/);

    const overview = await reconciliationOverview(ctx, { interval_hours: 24 });
    expect(overview.latest?.id).toBe(r.id);
    expect(overview.open_mismatches.map((i) => i.stripe_object_id).sort()).toEqual([planted.source as string, ghost.id, off.id, feeChanged.id].sort());
    expect(overview.latest?.stripe_only).toBe(1);
  });

  it("compares providers' bank payouts with their connected account on amount and status", async () => {
    await transfer(40_00);
    fake.connectPayouts = "manual";
    const paid = await stripe.payouts.create({ amount: 10_00, currency: "usd" }, { stripeAccount: account });
    const stillPending = await stripe.payouts.create({ amount: 5_00, currency: "usd" }, { stripeAccount: account });
    const fine = await stripe.payouts.create({ amount: 3_00, currency: "usd" }, { stripeAccount: account });
    await fake.settlePayout(paid.id, "paid");
    await fake.settlePayout(fine.id, "paid");
    fake.connectPayouts = "paid";
    const row = async (bankPayoutId: string, amount_cents: number, bankStatus: "pending" | "paid") => {
      await database.db.insert(payouts).values({ id: newId("payout"), organizationId: provider, stripeAccountId: account, trigger: "operator", amountNanos: centsToNanos(amount_cents), status: bankStatus === "paid" ? "paid" : "transferred", bankPayoutId, bankStatus, createdAt: new Date(Date.now() - 1000), updatedAt: new Date(Date.now() - 1000) });
    };
    await row(paid.id, 10_00, "pending"); // Stripe says paid: we missed it.
    await row(stillPending.id, 6_00, "pending"); // Stripe's amount differs.
    await row(fine.id, 3_00, "paid");
    await row("po_neverheardof", 2_00, "pending");

    const r = await run();
    expect(r.status).toBe("completed");
    const status = await itemFor(r, paid.id);
    expect(status).toMatchObject({ status: "amount_mismatch", kind: "bank_payout", stripeAccount: account, organizationId: provider });
    expect(status!.description).toMatch(/status: ours pending, Stripe paid/);
    const amount = await itemFor(r, stillPending.id);
    expect(amount).toMatchObject({ status: "amount_mismatch", ledgerNanos: centsToNanos(6_00), stripeNanos: centsToNanos(5_00) });
    expect(amount!.description).toMatch(/amount: ours \$6\.00, Stripe \$5\.00/);
    expect(await itemFor(r, fine.id)).toMatchObject({ status: "matched", kind: "bank_payout" });
    expect(await itemFor(r, "po_neverheardof")).toMatchObject({ status: "missing_in_stripe", kind: "bank_payout" });
  });

  it("a run Stripe fails is recorded failed with a plain reason, nothing thrown", async () => {
    fake.failNext({ path: /^\/v1\/balance_transactions/ }, 1, "500");
    const r = await run();
    expect(r).toMatchObject({ status: "failed", error: STRIPE_FAILED_MESSAGE, matched: 0 });
    expect(r.finished_at).not.toBeNull();
    const overview = await reconciliationOverview(ctx, { interval_hours: 24 });
    // Open mismatches stay those of the latest completed run.
    expect(overview.latest?.id).toBe(r.id);
    expect(overview.open_mismatches.length).toBeGreaterThan(0);
  });

  it("a fee entry in the period alone (its invoice's charge and entry outside it) is matched under the invoice; the run completes", async () => {
    const inv = await paidInvoice("7000000000");
    const [chargeId] = await chargesOfInvoice(stripe, inv.id);
    const bt = fake.balanceTransactions().find((b) => b.source === chargeId)!;
    expect(bt.fee).toBeGreaterThan(0);
    const now = Date.now();
    // Posted under the charge's id, as post-stripe-fees.ts does, and dated later (a period close moved it forward).
    await post("stripe_fee", `stripe_fee:${bt.id}`, chargeId!, [
      { account: "stripe_clearing", organizationId: null, amount_nanos: centsToNanos(bt.fee) },
      { account: "platform_expense", organizationId: null, amount_nanos: -centsToNanos(bt.fee) },
    ], new Date(now + 90 * 60_000));
    const r = await run({ start: new Date(now + HOUR), end: new Date(now + 2 * HOUR) });
    expect(r).toMatchObject({ status: "completed", error: null, matched: 1, missing_in_stripe: 0, missing_in_ledger: 0, amount_mismatch: 0, fees_posted_nanos: 0n });
    const item = await itemFor(r, inv.id);
    expect(item).toMatchObject({ status: "matched", kind: "invoice_payment" });
    expect(item!.journalEntryIds).toHaveLength(2);
    expect(await itemFor(r, chargeId!)).toBeUndefined();
  });

  it("a bank payout Stripe refuses to show (a disconnected provider, a rate limit) is an item; the other payouts are still compared", async () => {
    const gone = (await stripe.accounts.create(EXPRESS)).id;
    await fake.completeOnboarding(gone, { tax: true });
    await fake.deauthorize(gone);
    await transfer(5_00);
    fake.connectPayouts = "manual";
    const ok = await stripe.payouts.create({ amount: 2_00, currency: "usd" }, { stripeAccount: account });
    await fake.settlePayout(ok.id, "paid");
    fake.connectPayouts = "paid";
    // Rows of their own, days ahead, so the run's window holds these three only.
    const at = Date.now() + 5 * DAY;
    const row = async (stripeAccountId: string, bankPayoutId: string, ms: number) => {
      await database.db.insert(payouts).values({ id: newId("payout"), organizationId: provider, stripeAccountId, trigger: "operator", amountNanos: centsToNanos(2_00), status: "paid", bankPayoutId, bankStatus: "paid", createdAt: new Date(ms), updatedAt: new Date(ms) });
    };
    await row(account, "po_ratelimited", at);
    await row(gone, "po_disconnected", at + 1000);
    await row(account, ok.id, at + 2000);
    fake.failNext({ path: /^\/v1\/payouts\// }, 1, "429");
    const r = await run({ start: new Date(at - HOUR), end: new Date(at + HOUR) });
    expect(r).toMatchObject({ status: "completed", error: null, matched: 1, amount_mismatch: 2, missing_in_stripe: 0 });
    const limited = await itemFor(r, "po_ratelimited");
    expect(limited).toMatchObject({ status: "amount_mismatch", kind: "bank_payout", stripeAccount: account, stripeNanos: null });
    expect(limited!.description).toMatch(/Stripe refused to show this payout: rate_limit\.$/);
    const disconnected = await itemFor(r, "po_disconnected");
    expect(disconnected).toMatchObject({ status: "amount_mismatch", kind: "bank_payout", stripeAccount: gone, organizationId: provider, stripeNanos: null });
    expect(disconnected!.description).toMatch(/Stripe refused to show this payout: account_invalid\.$/);
    expect(disconnected!.description).not.toMatch(/sk_|does not have access/);
    expect(await itemFor(r, ok.id)).toMatchObject({ status: "matched", kind: "bank_payout" });
  });

  it("a clean run for an old month is listed, but neither hides the daily window's open mismatches nor counts as the daily run", async () => {
    const daily = await run();
    const open = daily.missing_in_stripe + daily.missing_in_ledger + daily.amount_mismatch;
    expect(daily.status).toBe("completed");
    expect(open).toBeGreaterThan(0);
    try {
      clockOffsetMs = 2 * HOUR;
      const now = ctx.now().getTime();
      const old = await run({ start: new Date(now - 400 * DAY), end: new Date(now - 370 * DAY) });
      expect(old).toMatchObject({ status: "completed", matched: 0, missing_in_stripe: 0, missing_in_ledger: 0, amount_mismatch: 0 });
      const overview = await reconciliationOverview(ctx, { interval_hours: 24 });
      expect(overview.latest?.id).toBe(old.id);
      expect(overview.runs.map((x) => x.id)).toEqual(expect.arrayContaining([old.id, daily.id]));
      expect(overview.open_mismatches).toHaveLength(open);
      expect(overview.next_scheduled_at?.getTime()).toBe(daily.started_at.getTime() + 24 * HOUR);
      // Two hours after the daily run, an hourly schedule is due whatever ran for the old month meanwhile.
      expect(await reconciliationDue(database.db, ctx.now(), 1)).toBe(true);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("the worker runs once per interval, and a restart does not run it again", async () => {
    const runs = async () => (await database.db.select({ n: sql<number>`count(*)::int` }).from(reconciliationRuns).where(eq(reconciliationRuns.trigger, "schedule")))[0]!.n;
    const rt = { env: { RECONCILIATION_CHECK_MS: 100, RECONCILIATION_INTERVAL_HOURS: 1 }, services: ctx, database } as unknown as Runtime;
    // The last run (a manual one) started moments ago: nothing is due yet.
    const worker = createReconciliationWorker({ check_ms: 100 });
    let stop = await worker.start(rt);
    await new Promise((r) => setTimeout(r, 300));
    expect(await runs()).toBe(0);
    // An hour later: one scheduled run, and only one however many checks follow.
    clockOffsetMs = HOUR + 1000;
    for (const deadline = Date.now() + 20_000; (await runs()) < 1 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(await runs()).toBe(1);
    await stop();
    stop = await worker.start(rt);
    await new Promise((r) => setTimeout(r, 300));
    expect(await runs()).toBe(1);
    await stop();
    const [scheduled] = await database.db.select().from(auditLog).where(and(eq(auditLog.action, "reconciliation.run"), sql`${auditLog.details}->>'trigger' = 'schedule'`));
    expect(scheduled).toMatchObject({ actorUserId: null, actorEmail: null });
  });
});
