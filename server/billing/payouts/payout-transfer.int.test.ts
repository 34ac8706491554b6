import { eq, inArray, sql, type SQL } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, payouts, stripeEvents } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { centsToNanos, usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { ensureConnectedAccount } from "../connect/ensure-connected-account";
import { syncConnectedAccount } from "../connect/sync-connected-account";
import type { ServiceContext } from "../../context";
import { postJournalEntry } from "../post-journal-entry";
import type { StripeBilling } from "../stripe/client";
import { applyBankPayout, applyBankPayoutObject } from "./apply-bank-payout";
import { applyTransfer } from "./apply-transfer";
import { ACCOUNT_CANNOT_RECEIVE_REASON, PLATFORM_BALANCE_SHORT_REASON } from "./classify-stripe-error";
import { createPayout } from "./create-payout";
import { getProviderPayoutBalances } from "./provider-balances";
import { DEFAULT_PAYOUT_POLICY } from "./policy";
import { bankPayoutIdempotencyKey, bankPayoutParams, requestBankPayout } from "./request-bank-payout";
import { sendPayout, transferIdempotencyKey, transferParams } from "./send-payout";
import { ledgerSumNanos } from "../../../test/ledger";

const USD = (s: string) => usdToNanos(s);
type Ctx = ServiceContext & { stripe: StripeBilling };

/**
 * The transfer and the bank payout (README "Payouts → The transfer", steps 2–4) on both databases, against the
 * in-repo fake Stripe: Stripe's events come through the real webhook endpoint and job queue, every one twice and
 * shuffled, while the job's own calls run beside them. A crash between Stripe's answer and our write, a retry
 * after Stripe forgot the key, refusals, reversals and failed bank payouts all end with the ledger, the payout
 * rows and the fake's transfers agreeing to the cent. After every test: Σ ledger = 0, and Σ fake transfers −
 * reversals = Σ ledger payout_transfer − payout_reversal.
 */
describe.each(DB_KINDS)("payout transfers on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  let services: Ctx;
  let buyerOrganizationId: string;

  beforeAll(async () => {
    fake = await startFakeStripe({ platformFundsCents: 1_000_00 });
    mp = await startTestMarketplace(kind, {
      // The payouts worker never ticks (no scheduled run, no resume): the tests are the job.
      env: { ...fake.env(), PAYOUT_CHECK_MS: "3600000", PAYOUT_MINIMUM_USD: "10" },
      verification: "trust",
    });
    services = mp.server.runtime.services as Ctx;
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    Object.assign(fake.delivery, { auto: true, duplicates: 1, shuffle: true });
    buyerOrganizationId = (await mp.createBuyer({ credit_usd: "0" })).organizationId;
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  /** Every webhook delivered and every stored event processed. */
  const settle = async () => {
    await fake.flushWebhooks();
    await mp.stripeIdle();
  };
  const ledgerSum = (where?: SQL) => ledgerSumNanos(services.db, where);
  const kindSum = (kinds: string[], account: string) =>
    ledgerSum(sql`${ledgerLines.account} = ${account} and ${ledgerLines.journalEntryId} in (select id from ${journalEntries} where ${inArray(journalEntries.kind, kinds)})`);
  /** Transfers the tests made on purpose that are no payout's (a stray one): left out of the money invariant. */
  const stray = new Set<string>();

  afterEach(async () => {
    await settle();
    // Double entry: every line of every entry sums to zero.
    expect(await ledgerSum()).toBe(0n);
    // What left the platform at Stripe is what the ledger booked as transferred, net of reversals, to the cent.
    const atStripe = fake
      .transfers()
      .filter((t) => !stray.has(t.id))
      .reduce((s, t) => s + centsToNanos(t.amount - t.amount_reversed), 0n);
    expect(await kindSum(["payout_transfer", "payout_reversal"], "stripe_clearing")).toBe(atStripe);
    // Nothing is stuck: every stored event was handled.
    const failed = await services.db.select({ id: stripeEvents.id, error: stripeEvents.lastError }).from(stripeEvents).where(eq(stripeEvents.status, "failed"));
    expect(failed).toEqual([]);
  });

  /** A provider onboarded through the fake (its hosted form submitted) and synced, so it can be paid. */
  const provider = async () => {
    const { organizationId } = await mp.createProvider();
    const { stripeAccountId } = await ensureConnectedAccount(services, { organizationId });
    await fake.completeOnboarding(stripeAccountId, { tax: true });
    await syncConnectedAccount(services, { stripeAccountId });
    return { organizationId, stripeAccountId };
  };
  /** Earnings settled long ago (past the hold): all payable. */
  const earn = async (organizationId: string, usd: string) => {
    const amount_nanos = USD(usd);
    await postJournalEntry(services.db, {
      kind: "request_settlement",
      idempotencyKey: `test_earn:${newId("journalEntry")}`,
      at: new Date(Date.now() - 30 * 86_400_000),
      lines: [
        { account: "buyer_balance", organizationId: buyerOrganizationId, amount_nanos: -amount_nanos },
        { account: "provider_earnings", organizationId, amount_nanos },
      ],
    });
  };
  /** The claim (H3a's createPayout): a pending payout, its amount moved from earnings to in transit. */
  const claim = async (organizationId: string) => {
    const outcome = await createPayout(services, { organizationId, trigger: "operator", runId: null });
    if (outcome.outcome !== "created") throw new Error(`no payout claimed: ${JSON.stringify(outcome, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`);
    return outcome;
  };
  const payoutRow = async (id: string) => (await services.db.select().from(payouts).where(eq(payouts.id, id)))[0]!;
  const linesOf = (idempotencyKey: string) =>
    services.db
      .select({ account: ledgerLines.account, organizationId: ledgerLines.organizationId, amount_nanos: ledgerLines.amountNanos })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(eq(journalEntries.idempotencyKey, idempotencyKey))
      .orderBy(ledgerLines.account);
  const balanceOf = (organizationId: string, account: "provider_earnings" | "provider_in_transit") =>
    ledgerSum(sql`${ledgerLines.organizationId} = ${organizationId} and ${ledgerLines.account} = ${account}`);
  const transfersOf = (payoutId: string) => fake.transfers().filter((t) => t.transfer_group === payoutId);
  const bankPayoutsOf = (payoutId: string) => fake.payouts().filter((p) => p.metadata?.payout_id === payoutId);
  const job = (payoutId: string, opts: { attempt?: number; final?: boolean } = {}) => sendPayout(services, { payoutId, attempt: opts.attempt ?? 1, final: opts.final ?? false });
  const waitFor = async (what: string, check: () => Promise<boolean>, timeout_ms = 20_000) => {
    for (const deadline = Date.now() + timeout_ms; !(await check()); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
  };

  it("happy path: earnings → in transit → Stripe; the fake's transfer equals the ledger to the cent; the bank payout makes it paid", async () => {
    const { organizationId, stripeAccountId } = await provider();
    await earn(organizationId, "25.004999999");
    const { payoutId, amount_nanos } = await claim(organizationId);
    expect(amount_nanos).toBe(USD("25"));
    expect(await balanceOf(organizationId, "provider_in_transit")).toBe(USD("25"));

    expect(await job(payoutId)).toEqual({ transfer: "transferred", bank: "requested" });
    const [transfer, ...more] = transfersOf(payoutId);
    expect(more).toEqual([]);
    expect(transfer).toMatchObject({ amount: 2500, currency: "usd", destination: stripeAccountId, transfer_group: payoutId, metadata: { payout_id: payoutId, organization_id: organizationId } });
    expect(centsToNanos(transfer!.amount)).toBe(amount_nanos);
    expect(await linesOf(`payout:${payoutId}:transferred`)).toEqual([
      { account: "provider_in_transit", organizationId, amount_nanos: -USD("25") },
      { account: "stripe_clearing", organizationId: null, amount_nanos: USD("25") },
    ]);
    // The sub-cent rest stays payable; nothing is left in transit in the ledger once Stripe has the transfer.
    expect(await balanceOf(organizationId, "provider_earnings")).toBe(USD("0.004999999"));
    expect(await balanceOf(organizationId, "provider_in_transit")).toBe(0n);
    expect(fake.connectedBalance(stripeAccountId)).toBe(0); // all of it asked for as the bank payout

    await settle(); // payout.created → updated (in transit) → paid, each twice, shuffled
    const row = await payoutRow(payoutId);
    expect(row).toMatchObject({ status: "paid", stripeTransferId: transfer!.id, attempts: 1, bankStatus: "paid", bankAttempts: 1, bankFailureMessage: null, failureReason: null });
    expect(row.paidAt).toBeInstanceOf(Date);
    expect(row.bankArrivalAt).toBeInstanceOf(Date);
    const [bank] = bankPayoutsOf(payoutId);
    expect(bank).toMatchObject({ id: row.bankPayoutId, amount: 2500, status: "paid", description: "Spotlane earnings", metadata: { payout_id: payoutId, bank_attempt: "1" } });
    const buckets = await getProviderPayoutBalances(services.db, { organizationId, now: services.now(), policy: DEFAULT_PAYOUT_POLICY });
    expect(buckets).toMatchObject({ in_transit_nanos: 0n, paid_out_nanos: USD("25"), balance_nanos: USD("0.004999999") });

    // The job again (a duplicate, a resume): nothing more at Stripe, nothing more in the ledger.
    expect(await job(payoutId, { attempt: 2 })).toEqual({ transfer: "not_pending", bank: "not_needed" });
    expect(transfersOf(payoutId)).toHaveLength(1);
    expect(bankPayoutsOf(payoutId)).toHaveLength(1);
    expect((await applyTransfer(services, transfer!.id)).outcome).toBe("applied");
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid", amountReversedNanos: 0n });
  });

  it("a crash between Stripe's transfer and our write: the retry gets the same transfer back; one transfer, one entry", async () => {
    const { organizationId } = await provider();
    await earn(organizationId, "40");
    const { payoutId } = await claim(organizationId);
    // Stripe makes the transfer and the connection dies before we hear (twice: the SDK retries a reset once itself,
    // under the same key, and is answered the same transfer, whose answer dies too).
    fake.failNext({ method: "POST", path: /^\/v1\/transfers$/ }, 2, "reset_after");
    fake.delivery.auto = false; // Stripe's transfer.created is late: the job's retry comes first
    try {
      await expect(job(payoutId)).rejects.toThrow();
      expect(transfersOf(payoutId)).toHaveLength(1);
      expect(await payoutRow(payoutId)).toMatchObject({ status: "pending", attempts: 1, stripeTransferId: null });
      expect(await linesOf(`payout:${payoutId}:transferred`)).toEqual([]);
      // The same key with the same parameters answers the same transfer (Stripe's replay), however often it is sent.
      const replayed = await services.stripe.client.transfers.create(transferParams(await payoutRow(payoutId)), { idempotencyKey: transferIdempotencyKey(payoutId) });
      expect(replayed.id).toBe(transfersOf(payoutId)[0]!.id);

      expect(await job(payoutId, { attempt: 2 })).toEqual({ transfer: "adopted", bank: "requested" });
    } finally {
      fake.delivery.auto = true;
    }
    await settle();
    expect(transfersOf(payoutId)).toHaveLength(1);
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid", attempts: 2, stripeTransferId: transfersOf(payoutId)[0]!.id });
    expect(await linesOf(`payout:${payoutId}:transferred`)).toHaveLength(2);
    expect(bankPayoutsOf(payoutId)).toHaveLength(1);
  });

  it("a crash the webhook learns of first: transfer.created marks it transferred, exactly as the job would", async () => {
    const { organizationId } = await provider();
    await earn(organizationId, "12.34");
    const { payoutId } = await claim(organizationId);
    fake.failNext({ method: "POST", path: /^\/v1\/transfers$/ }, 2, "reset_after");
    await expect(job(payoutId)).rejects.toThrow();
    await settle(); // transfer.created (twice) re-reads the transfer and books it
    expect(await payoutRow(payoutId)).toMatchObject({ status: "transferred", stripeTransferId: transfersOf(payoutId)[0]!.id, bankStatus: null });
    expect(await linesOf(`payout:${payoutId}:transferred`)).toEqual([
      { account: "provider_in_transit", organizationId, amount_nanos: -USD("12.34") },
      { account: "stripe_clearing", organizationId: null, amount_nanos: USD("12.34") },
    ]);
    // The job's retry finds it transferred and only asks for the bank payout.
    expect(await job(payoutId, { attempt: 2 })).toEqual({ transfer: "not_pending", bank: "requested" });
    await settle();
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid" });
    expect(transfersOf(payoutId)).toHaveLength(1);
  });

  it("a retry after attempts > 0 adopts the transfer its group holds, even when Stripe no longer knows the key", async () => {
    const { organizationId, stripeAccountId } = await provider();
    await earn(organizationId, "15");
    const { payoutId } = await claim(organizationId);
    fake.delivery.auto = false;
    let earlier: Stripe.Transfer;
    try {
      // An earlier attempt (days ago, its key since forgotten by Stripe) made the transfer and died before writing.
      await services.db.update(payouts).set({ attempts: 1 }).where(eq(payouts.id, payoutId));
      earlier = await services.stripe.client.transfers.create(transferParams(await payoutRow(payoutId)), { idempotencyKey: `forgotten:${payoutId}` });
      expect(await job(payoutId, { attempt: 1 })).toEqual({ transfer: "adopted", bank: "requested" });
    } finally {
      fake.delivery.auto = true;
    }
    expect(transfersOf(payoutId).map((t) => t.id)).toEqual([earlier.id]); // a create under our key would have made a second
    expect(await payoutRow(payoutId)).toMatchObject({ status: "transferred", stripeTransferId: earlier.id, attempts: 2 });
    expect(fake.connectedBalance(stripeAccountId)).toBe(0);
    await settle();
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid" });
  });

  it("a transient error: not final → thrown for the queue's retry; final → left pending, resumed exactly later", async () => {
    const { organizationId } = await provider();
    await earn(organizationId, "11");
    const { payoutId } = await claim(organizationId);
    fake.failNext({ method: "POST", path: /^\/v1\/transfers$/ }, 1, "500");
    await expect(job(payoutId)).rejects.toThrow();
    fake.failNext({ method: "POST", path: /^\/v1\/transfers$/ }, 1, "429");
    expect(await job(payoutId, { attempt: 2, final: true })).toEqual({ transfer: "retry_later", bank: "not_needed" });
    fake.failNext({ method: "GET", path: /^\/v1\/transfers$/ }, 1, "500"); // the lookup failing is no refusal either
    await expect(job(payoutId, { attempt: 1 })).rejects.toThrow();
    expect(await payoutRow(payoutId)).toMatchObject({ status: "pending", attempts: 3, failureReason: null });
    expect(transfersOf(payoutId)).toEqual([]);
    expect(await balanceOf(organizationId, "provider_in_transit")).toBe(USD("11"));
    // The worker's resume, a new job.
    expect(await job(payoutId, { attempt: 1 })).toEqual({ transfer: "transferred", bank: "requested" });
    expect(transfersOf(payoutId)).toHaveLength(1);
    expect(await payoutRow(payoutId)).toMatchObject({ status: "transferred", attempts: 4 });
  });

  it("the platform's balance is short: failed with the reason, the amount payable again, and a later payout succeeds", async () => {
    const { organizationId } = await provider();
    const short_cents = fake.platformBalance() + 50_00;
    await earn(organizationId, (short_cents / 100).toFixed(2));
    const first = await claim(organizationId);
    expect(await job(first.payoutId)).toEqual({ transfer: "failed", bank: "not_needed" });
    expect(await payoutRow(first.payoutId)).toMatchObject({ status: "failed", failureReason: PLATFORM_BALANCE_SHORT_REASON, stripeTransferId: null });
    expect(await linesOf(`payout:${first.payoutId}:failed`)).toEqual([
      { account: "provider_earnings", organizationId, amount_nanos: first.amount_nanos },
      { account: "provider_in_transit", organizationId, amount_nanos: -first.amount_nanos },
    ]);
    expect(await balanceOf(organizationId, "provider_earnings")).toBe(first.amount_nanos);
    expect(await balanceOf(organizationId, "provider_in_transit")).toBe(0n);
    expect(transfersOf(first.payoutId)).toEqual([]);
    // A repeat of the job changes nothing (failed is final for that payout).
    expect(await job(first.payoutId, { attempt: 2 })).toEqual({ transfer: "not_pending", bank: "not_needed" });

    fake.addPlatformFunds(short_cents);
    const second = await claim(organizationId);
    expect(second.amount_nanos).toBe(first.amount_nanos);
    expect(await job(second.payoutId)).toEqual({ transfer: "transferred", bank: "requested" });
    await settle();
    expect(await payoutRow(second.payoutId)).toMatchObject({ status: "paid" });
    expect(await balanceOf(organizationId, "provider_earnings")).toBe(0n);
  });

  it("an account that cannot receive transfers (Stripe disabled it after the claim): failed, payable again", async () => {
    const { organizationId, stripeAccountId } = await provider();
    await earn(organizationId, "10");
    const { payoutId, amount_nanos } = await claim(organizationId);
    await fake.requireMore(stripeAccountId, ["individual.verification.document"], { disable: true });
    expect(await job(payoutId)).toEqual({ transfer: "failed", bank: "not_needed" });
    expect(await payoutRow(payoutId)).toMatchObject({ status: "failed", failureReason: ACCOUNT_CANNOT_RECEIVE_REASON });
    expect(await balanceOf(organizationId, "provider_earnings")).toBe(amount_nanos);
    expect(transfersOf(payoutId)).toEqual([]);
  });

  it("partial and full reversals, delivered twice and out of order: one entry each, payable again, `reversed` when all of it is", async () => {
    const { organizationId, stripeAccountId } = await provider();
    await earn(organizationId, "30");
    const { payoutId } = await claim(organizationId);
    // Stripe is down for the bank payout: the transfer is booked, the money waits in the provider's balance.
    fake.failNext({ method: "POST", path: /^\/v1\/payouts$/ }, 1, "500");
    expect(await job(payoutId, { final: true })).toEqual({ transfer: "transferred", bank: "retry_later" });
    const transferId = (await payoutRow(payoutId)).stripeTransferId!;
    await settle();

    fake.delivery.auto = false;
    let reversals: Stripe.TransferReversal[];
    try {
      reversals = [await fake.reverseTransfer(transferId, 10_00), await fake.reverseTransfer(transferId, 5_00)];
      // Held events out of order: the second reversal's first, then everything (each twice, shuffled) with direct re-reads racing.
      const held = fake.events().filter((e) => e.type.startsWith("transfer.") && (e.data.object as Stripe.Transfer).id === transferId);
      for (const e of held.reverse()) await fake.resend(e.id);
      await Promise.all([fake.flushWebhooks(), applyTransfer(services, transferId), applyTransfer(services, transferId)]);
    } finally {
      fake.delivery.auto = true;
    }
    await settle();
    for (const r of reversals) {
      expect(await linesOf(`transfer_reversal:${r.id}`)).toEqual([
        { account: "provider_earnings", organizationId, amount_nanos: centsToNanos(r.amount) },
        { account: "stripe_clearing", organizationId: null, amount_nanos: -centsToNanos(r.amount) },
      ]);
    }
    expect(await payoutRow(payoutId)).toMatchObject({ status: "transferred", amountReversedNanos: USD("15") });
    expect(await balanceOf(organizationId, "provider_earnings")).toBe(USD("15"));

    // The next try asks the bank payout for what is left of the transfer.
    expect(await requestBankPayout(services, { id: payoutId })).toBe("requested");
    expect(bankPayoutsOf(payoutId).map((p) => p.amount)).toEqual([15_00]);
    await settle();
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid", bankStatus: "paid" });
    expect(fake.connectedBalance(stripeAccountId)).toBe(0);
  });

  it("a full reversal before the bank payout: `reversed`, all of it payable again, no bank payout asked", async () => {
    const { organizationId } = await provider();
    await earn(organizationId, "20");
    const { payoutId } = await claim(organizationId);
    fake.failNext({ method: "POST", path: /^\/v1\/payouts$/ }, 1, "500");
    await expect(job(payoutId)).rejects.toThrow();
    const transferId = (await payoutRow(payoutId)).stripeTransferId!;
    const a = await fake.reverseTransfer(transferId, 7_77);
    const b = await fake.reverseTransfer(transferId); // the rest
    await settle();
    await Promise.all([applyTransfer(services, transferId), applyTransfer(services, transferId)]);
    expect(await payoutRow(payoutId)).toMatchObject({ status: "reversed", amountReversedNanos: USD("20") });
    expect((await linesOf(`transfer_reversal:${a.id}`)).map((l) => l.amount_nanos)).toEqual([USD("7.77"), -USD("7.77")]);
    expect((await linesOf(`transfer_reversal:${b.id}`)).map((l) => l.amount_nanos)).toEqual([USD("12.23"), -USD("12.23")]);
    expect(await balanceOf(organizationId, "provider_earnings")).toBe(USD("20"));
    expect(await job(payoutId, { attempt: 2 })).toEqual({ transfer: "not_pending", bank: "not_needed" });
    expect(bankPayoutsOf(payoutId)).toEqual([]);
  });

  it("a failed bank payout: its status and Stripe's message; a later sendPayout asks again under a new key; the old one's late events change nothing", async () => {
    const { organizationId, stripeAccountId } = await provider();
    await earn(organizationId, "18");
    const { payoutId } = await claim(organizationId);
    fake.connectPayouts = "failed";
    try {
      expect(await job(payoutId)).toEqual({ transfer: "transferred", bank: "requested" });
      await settle();
    } finally {
      fake.connectPayouts = "paid";
    }
    const failedRow = await payoutRow(payoutId);
    expect(failedRow).toMatchObject({ status: "transferred", bankStatus: "failed", bankAttempts: 1 });
    expect(failedRow.bankFailureMessage).toMatch(/^Your bank payout failed: The bank account has been closed\. .*asked for again/);
    expect(fake.connectedBalance(stripeAccountId)).toBe(18_00); // the bank returned it
    const old = failedRow.bankPayoutId!;
    const buckets = await getProviderPayoutBalances(services.db, { organizationId, now: services.now(), policy: DEFAULT_PAYOUT_POLICY });
    expect(buckets).toMatchObject({ in_transit_nanos: USD("18"), paid_out_nanos: 0n });

    // The next run hands it back to its job.
    expect(await job(payoutId, { attempt: 1 })).toEqual({ transfer: "not_pending", bank: "requested" });
    await settle();
    const row = await payoutRow(payoutId);
    expect(row).toMatchObject({ status: "paid", bankStatus: "paid", bankAttempts: 2, bankFailureMessage: null });
    expect(row.bankPayoutId).not.toBe(old);
    expect(bankPayoutsOf(payoutId).map((p) => [p.status, p.metadata!.bank_attempt]).sort()).toEqual([["failed", "1"], ["paid", "2"]]);
    // The same key answers the same (second) bank payout.
    const again = await services.stripe.client.payouts.create(bankPayoutParams(row, 2), { stripeAccount: stripeAccountId, idempotencyKey: bankPayoutIdempotencyKey(payoutId, 2) });
    expect(again.id).toBe(row.bankPayoutId);
    // The first payout's events, late and repeated, and a direct re-read of it: ignored as an earlier attempt's.
    for (const e of fake.events().filter((e) => e.type.startsWith("payout.") && (e.data.object as Stripe.Payout).id === old)) await fake.resend(e.id);
    await settle();
    expect(await applyBankPayout(services, { stripeAccountId, payoutId: old })).toEqual({ outcome: "unchanged" });
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid", bankStatus: "paid", bankPayoutId: row.bankPayoutId });
  });

  it("Stripe refuses the bank payout (the connected balance is short): recorded, not thrown; asked again later", async () => {
    const { organizationId, stripeAccountId } = await provider();
    await earn(organizationId, "10");
    const { payoutId } = await claim(organizationId);
    fake.failNext({ method: "POST", path: /^\/v1\/payouts$/ }, 1, "500");
    await expect(job(payoutId)).rejects.toThrow();
    // The provider paid themselves out from the Express dashboard meanwhile: their balance no longer covers ours.
    const theirs = await services.stripe.client.payouts.create({ amount: 6_00, currency: "usd" }, { stripeAccount: stripeAccountId });
    expect(await job(payoutId, { attempt: 2 })).toEqual({ transfer: "not_pending", bank: "refused" });
    expect(await payoutRow(payoutId)).toMatchObject({ status: "transferred", bankStatus: "failed", bankPayoutId: null, bankAttempts: 1 });
    expect((await payoutRow(payoutId)).bankFailureMessage).toMatch(/Stripe balance was smaller than this payout/);
    await settle(); // the provider's own payout's events: not ours
    expect(await applyBankPayout(services, { stripeAccountId, payoutId: theirs.id })).toEqual({ outcome: "ignored" });
    // Asked again (new attempt, new key) once the balance covers it.
    await waitFor("their payout to be paid", async () => fake.payouts().find((p) => p.id === theirs.id)?.status === "paid");
    await services.stripe.client.transfers.create({ amount: 6_00, currency: "usd", destination: stripeAccountId, metadata: { test: "stray" } }).then((t) => stray.add(t.id));
    expect(await job(payoutId, { attempt: 1 })).toEqual({ transfer: "not_pending", bank: "requested" });
    await settle();
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid", bankAttempts: 2, bankFailureMessage: null });
  });

  it("Connect payout events and transfers that are not ours are ignored; a bank status never goes back", async () => {
    const { organizationId } = await provider();
    const other = await provider();
    await earn(organizationId, "10");
    const { payoutId } = await claim(organizationId);
    fake.connectPayouts = "manual";
    try {
      expect(await job(payoutId)).toEqual({ transfer: "transferred", bank: "requested" });
    } finally {
      fake.connectPayouts = "paid";
    }
    await settle();
    const row = await payoutRow(payoutId);
    expect(row).toMatchObject({ status: "transferred", bankStatus: "pending" });

    // Another account's payout wearing our payout's metadata (a connected account writes its own metadata).
    const before = fake.events().length;
    const stray_tr = await services.stripe.client.transfers.create({ amount: 3_00, currency: "usd", destination: other.stripeAccountId, metadata: { test: "stray" } });
    stray.add(stray_tr.id);
    const forged = await services.stripe.client.payouts.create({ amount: 3_00, currency: "usd", metadata: { payout_id: payoutId, bank_attempt: "1" } }, { stripeAccount: other.stripeAccountId });
    await settle();
    const handled = await services.db.select({ type: stripeEvents.type, status: stripeEvents.status }).from(stripeEvents).where(inArray(stripeEvents.id, fake.events().slice(before).map((e) => e.id)));
    expect(handled.length).toBeGreaterThan(0);
    expect(handled.every((e) => e.status === "processed")).toBe(true);
    expect(await applyBankPayout(services, { stripeAccountId: other.stripeAccountId, payoutId: forged.id })).toEqual({ outcome: "ignored" });
    expect(await applyTransfer(services, stray_tr.id)).toEqual({ outcome: "ignored" });
    expect(await payoutRow(payoutId)).toMatchObject({ status: "transferred", bankStatus: "pending", bankPayoutId: row.bankPayoutId });

    // The bank pays; a stale read (in transit) committed after the paid one does not move it back.
    const paid = await fake.settlePayout(row.bankPayoutId!, "paid");
    await settle();
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid", bankStatus: "paid" });
    expect(await services.db.transaction((tx) => applyBankPayoutObject(tx, { payoutId, payout: { ...paid, status: "in_transit" }, at: new Date() }))).toEqual({ changed: false });
    expect(await payoutRow(payoutId)).toMatchObject({ status: "paid", bankStatus: "paid" });
    // A bank that returns a payout after it was marked paid (Stripe allows paid → failed): back in transit, asked again.
    await services.db.transaction((tx) => applyBankPayoutObject(tx, { payoutId, payout: { ...paid, status: "failed", failure_code: "account_closed", failure_message: "The bank account has been closed." }, at: new Date() }));
    expect(await payoutRow(payoutId)).toMatchObject({ status: "transferred", bankStatus: "failed", paidAt: null });
    expect((await payoutRow(payoutId)).amountNanos).toBe(USD("10"));
  });
});
