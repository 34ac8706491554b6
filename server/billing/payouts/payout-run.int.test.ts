import { and, eq, sql, type SQL } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, payoutRuns, payouts } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { createPayoutsWorker, PAYOUTS_LEASE_NAME } from "../../../workers/payouts";
import { ensureConnectedAccount } from "../connect/ensure-connected-account";
import { syncConnectedAccount } from "../connect/sync-connected-account";
import type { ServiceContext } from "../../context";
import type { JobData, JobName } from "../../jobs/names";
import type { JobQueue } from "../../jobs/queue";
import { currentLeaseHolder } from "../../leader-lease";
import { postJournalEntry } from "../post-journal-entry";
import type { StripeBilling } from "../stripe/client";
import { createPayout } from "./create-payout";
import { findResumablePayouts, RESUME_AFTER_MS } from "./find-resumable-payouts";
import { markTransferFailed, markTransferred } from "./mark-transferred";
import { nextScheduledRun, payoutRunDue } from "./payout-schedule";
import { DEFAULT_PAYOUT_POLICY } from "./policy";
import { getProviderPayoutBalances } from "./provider-balances";
import { ACCOUNT_NOT_READY_MESSAGE, belowMinimumMessage, earlyRateLimitMessage, PAYOUT_IN_PROGRESS_MESSAGE, requestEarlyPayout } from "./request-early-payout";
import { runPayouts } from "./run-payouts";
import { ledgerSumNanos } from "../../../test/ledger";
import { stripeAmountCents } from "../stripe/client";

const USD = (s: string) => usdToNanos(s);
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** README "Payout policy" defaults: 7 days on hold, $10 minimum, weekly runs, one early payout a day. */
const POLICY = DEFAULT_PAYOUT_POLICY;

type Ctx = ServiceContext & { stripe: StripeBilling };

/** A job queue that only records what was sent (the claims are under test here, not the transfers). */
function recordingJobs() {
  const sent: { name: JobName; payoutId: string; singletonKey: string | undefined }[] = [];
  const jobs: JobQueue = {
    async send<N extends JobName>(name: N, data: JobData[N], opts?: { singletonKey?: string }) {
      sent.push({ name, payoutId: (data as JobData["payout-transfer"]).payoutId, singletonKey: opts?.singletonKey });
      return `job_${sent.length}`;
    },
    async work() {},
    statements: () => null,
    async stop() {},
  };
  return { jobs, sent };
}

/**
 * The payout run, the claim and early payouts (README "Buckets", "The transfer" step 1, "Payout policy") on both
 * databases, against the in-repo fake Stripe's Connect accounts: what is on hold is not paid, the minimum and the
 * account's readiness are respected, each provider is claimed once however runs and early requests race, the
 * sub-cent rest stays payable, and after every test the ledger balances and each provider's buckets add up to
 * what it earned.
 */
describe.each(DB_KINDS)("payout runs on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  let services: Ctx;
  let buyerOrganizationId: string;
  const providers = new Set<string>();

  beforeAll(async () => {
    fake = await startFakeStripe();
    fake.setWebhookUrl(null);
    fake.delivery.auto = false;
    fake.addPlatformFunds(10_000_00);
    // The marketplace's own payouts worker never ticks here (it still works payout-transfer jobs): the tests drive
    // runs themselves, and the worker test starts one with a fast check.
    mp = await startTestMarketplace(kind, {
      env: { ...fake.env(), PAYOUT_CHECK_MS: "3600000", PAYOUT_HOLD_DAYS: "7", PAYOUT_MINIMUM_USD: "10", PAYOUT_RUN_INTERVAL_HOURS: "168", PAYOUT_EARLY_INTERVAL_HOURS: "24" },
      verification: "trust",
    });
    services = mp.server.runtime.services as Ctx;
    expect(services.payout_policy).toEqual(POLICY);
    buyerOrganizationId = (await mp.createBuyer({ credit_usd: "0" })).organizationId;
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  /** A clock `offset_ms` from now (payouts created in the past or the future). */
  const at = (offset_ms: number): Ctx => ({ ...services, now: () => new Date(Date.now() + offset_ms) });

  /** A provider organization; onboarded through the fake (Stripe's hosted form submitted) unless told otherwise. */
  const provider = async (opts: { account?: "none" | "started" | "ready" | "ready_without_tax" } = {}) => {
    const { organizationId } = await mp.createProvider();
    providers.add(organizationId);
    const account = opts.account ?? "ready";
    if (account === "none") return { organizationId, stripeAccountId: null };
    const { stripeAccountId } = await ensureConnectedAccount(services, { organizationId });
    if (account !== "started") await fake.completeOnboarding(stripeAccountId, { tax: account === "ready" });
    await syncConnectedAccount(services, { stripeAccountId });
    return { organizationId, stripeAccountId };
  };
  /** Earnings settled `ago_ms` ago: the ledger line's created_at is what the hold looks at. */
  const earn = async (organizationId: string, usd: string, ago_ms: number) => {
    const amount_nanos = USD(usd);
    await postJournalEntry(services.db, {
      kind: "request_settlement",
      idempotencyKey: `test_earn:${newId("journalEntry")}`,
      at: new Date(Date.now() - ago_ms),
      lines: [
        { account: "buyer_balance", organizationId: buyerOrganizationId, amount_nanos: -amount_nanos },
        { account: "provider_earnings", organizationId, amount_nanos },
      ],
    });
  };
  const balances = (organizationId: string, ctx: Ctx = services) => getProviderPayoutBalances(ctx.db, { organizationId, now: ctx.now(), policy: POLICY });
  const payoutsOf = (organizationId: string) => services.db.select().from(payouts).where(eq(payouts.organizationId, organizationId)).orderBy(payouts.createdAt);
  const linesOf = (idempotencyKey: string) =>
    services.db
      .select({ account: ledgerLines.account, organizationId: ledgerLines.organizationId, amount_nanos: ledgerLines.amountNanos, kind: journalEntries.kind })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(eq(journalEntries.idempotencyKey, idempotencyKey))
      .orderBy(ledgerLines.account);
  const ledgerSum = (where?: SQL) => ledgerSumNanos(services.db, where);
  /** What Stripe would answer for a payout's transfer (tests that only need a payout to be past `pending`). */
  const transferOf = (p: { amountNanos: bigint; stripeAccountId: string }) => ({ id: `tr_test_${newId("journalEntry")}`, amount: stripeAmountCents(p.amountNanos), currency: "usd", destination: p.stripeAccountId });
  const waitFor = async (what: string, check: () => Promise<boolean>, timeout_ms = 20_000) => {
    for (const deadline = Date.now() + timeout_ms; !(await check()); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
  };

  afterEach(async () => {
    // Double entry: every line of every entry sums to zero.
    expect(await ledgerSum()).toBe(0n);
    for (const organizationId of providers) {
      // Each provider's buckets add up to what it earned: unpaid balance + in transit + paid out (failures and
      // reversals came back into the balance), and the ledger's in-transit account holds exactly its pending claims.
      const earned = await ledgerSum(sql`${ledgerLines.organizationId} = ${organizationId} and ${ledgerLines.account} = 'provider_earnings' and ${ledgerLines.journalEntryId} in (select id from journal_entries where kind = 'request_settlement')`);
      const b = await balances(organizationId);
      expect(b.balance_nanos + b.in_transit_nanos + b.paid_out_nanos, organizationId).toBe(earned);
      expect(b.on_hold_nanos + b.payable_nanos).toBe(b.balance_nanos > 0n ? b.balance_nanos : 0n);
      const pending = (await payoutsOf(organizationId)).filter((p) => p.status === "pending").reduce((s, p) => s + p.amountNanos, 0n);
      expect(await ledgerSum(sql`${ledgerLines.organizationId} = ${organizationId} and ${ledgerLines.account} = 'provider_in_transit'`)).toBe(pending);
    }
  });

  it("the leader's scheduled run pays each eligible provider once through a Stripe transfer, and resumes a stranded payout", async () => {
    const paid = await provider();
    await earn(paid.organizationId, "25.005", 8 * DAY_MS);
    await earn(paid.organizationId, "3", DAY_MS); // on hold: not paid
    const small = await provider();
    await earn(small.organizationId, "4", 8 * DAY_MS); // below the minimum
    const unready = await provider({ account: "started" });
    await earn(unready.organizationId, "50", 8 * DAY_MS); // onboarding unfinished
    // A payout claimed two minutes ago by a process that died before it enqueued the job.
    const stranded = await provider();
    await earn(stranded.organizationId, "11", 9 * DAY_MS);
    const claimed = await createPayout(at(-2 * MINUTE_MS), { organizationId: stranded.organizationId, trigger: "early", runId: null });
    if (claimed.outcome !== "created") throw new Error(`expected a claim, got ${claimed.outcome}`);

    expect(await payoutRunDue(services.db, services.now(), POLICY)).toBe(true); // never ran: due at once
    const stop = await createPayoutsWorker({ check_ms: 100 }).start(mp.server.runtime);
    try {
      await waitFor("both payouts to be transferred", async () => {
        const rows = [...(await payoutsOf(paid.organizationId)), ...(await payoutsOf(stranded.organizationId))];
        return rows.length === 2 && rows.every((p) => p.status === "transferred" || p.status === "paid");
      });
      expect(await currentLeaseHolder(services.db, PAYOUTS_LEASE_NAME)).not.toBeNull();
      await new Promise((r) => setTimeout(r, 500)); // more checks: the schedule is not due again, nothing more is paid
    } finally {
      await stop();
    }
    expect(await currentLeaseHolder(services.db, PAYOUTS_LEASE_NAME)).toBeNull(); // released on stop

    const runs = await services.db.select().from(payoutRuns).where(eq(payoutRuns.trigger, "schedule"));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ payoutsCreated: 1, totalNanos: USD("25"), finishedAt: expect.any(Date), startedByUserId: null });

    const [p] = await payoutsOf(paid.organizationId);
    expect(p).toMatchObject({ runId: runs[0]!.id, trigger: "scheduled", amountNanos: USD("25"), stripeAccountId: paid.stripeAccountId, stripeTransferId: expect.stringMatching(/^tr_/) });
    const [s] = await payoutsOf(stranded.organizationId);
    expect(s).toMatchObject({ id: claimed.payoutId, runId: null, amountNanos: USD("11"), stripeTransferId: expect.stringMatching(/^tr_/) });
    for (const org of [small.organizationId, unready.organizationId]) expect(await payoutsOf(org)).toEqual([]);

    // Stripe has exactly one transfer per payout, to the right account, for the ledger's amount to the cent.
    for (const row of [p!, s!]) {
      const transfers = (await fake.client().transfers.list({ transfer_group: row.id })).data;
      expect(transfers.map((t) => ({ id: t.id, amount: t.amount, currency: t.currency, destination: t.destination }))).toEqual([{ id: row.stripeTransferId, amount: stripeAmountCents(row.amountNanos), currency: "usd", destination: row.stripeAccountId }]);
      expect(await linesOf(`payout:${row.id}`)).toEqual([
        { account: "provider_earnings", organizationId: row.organizationId, amount_nanos: -row.amountNanos, kind: "payout" },
        { account: "provider_in_transit", organizationId: row.organizationId, amount_nanos: row.amountNanos, kind: "payout" },
      ]);
    }
    // The sub-cent rest and what is on hold stay with the provider.
    expect(await balances(paid.organizationId)).toMatchObject({ balance_nanos: USD("3.005"), on_hold_nanos: USD("3"), payable_nanos: USD("0.005"), owed_nanos: 0n });
    const after = await balances(paid.organizationId);
    expect(after.in_transit_nanos + after.paid_out_nanos).toBe(USD("25"));
  });

  it("the schedule: one interval after the last scheduled run started; operator runs do not move it", async () => {
    const [last] = await services.db.select().from(payoutRuns).where(eq(payoutRuns.trigger, "schedule"));
    const due = new Date(last!.startedAt.getTime() + POLICY.run_interval_ms);
    expect(await nextScheduledRun(services.db, services.now(), POLICY)).toEqual(due);
    expect(await payoutRunDue(services.db, services.now(), POLICY)).toBe(false);
    expect(await payoutRunDue(services.db, new Date(due.getTime() - 1), POLICY)).toBe(false);
    expect(await payoutRunDue(services.db, due, POLICY)).toBe(true);

    const userId = newId("user");
    const { jobs } = recordingJobs();
    const run = await runPayouts(services, jobs, { trigger: "operator", userId });
    const [row] = await services.db.select().from(payoutRuns).where(eq(payoutRuns.id, run.runId));
    expect(row).toMatchObject({ trigger: "operator", startedByUserId: userId, payoutsCreated: run.payouts_created, totalNanos: run.total_nanos, finishedAt: expect.any(Date) });
    expect(await nextScheduledRun(services.db, services.now(), POLICY)).toEqual(due);
  });

  it("what is on hold is not paid; a run claims payable in whole cents in one balanced entry and enqueues its job", async () => {
    const p = await provider();
    await earn(p.organizationId, "12.345678901", 8 * DAY_MS);
    await earn(p.organizationId, "1", POLICY.hold_ms + MINUTE_MS); // just out of the hold: payable
    await earn(p.organizationId, "2", POLICY.hold_ms - MINUTE_MS); // just inside it: held
    await earn(p.organizationId, "5", HOUR_MS);
    expect(await balances(p.organizationId)).toEqual({ balance_nanos: USD("20.345678901"), on_hold_nanos: USD("7"), payable_nanos: USD("13.345678901"), owed_nanos: 0n, in_transit_nanos: 0n, paid_out_nanos: 0n });

    const { jobs, sent } = recordingJobs();
    const run = await runPayouts(services, jobs, { trigger: "operator" });
    const rows = await payoutsOf(p.organizationId);
    expect(rows).toHaveLength(1);
    const payout = rows[0]!;
    expect(payout).toMatchObject({ status: "pending", runId: run.runId, trigger: "operator", amountNanos: USD("13.34"), stripeAccountId: p.stripeAccountId, attempts: 0, stripeTransferId: null });
    expect(sent.filter((j) => j.payoutId === payout.id)).toEqual([{ name: "payout-transfer", payoutId: payout.id, singletonKey: payout.id }]);
    // Everything the run created was enqueued once, and the run row says what it did.
    expect(sent.filter((j) => j.name === "payout-transfer").length).toBe(run.payouts_created + run.bank_payouts_retried);
    expect(run.errors).toEqual([]);
    const [runRow] = await services.db.select().from(payoutRuns).where(eq(payoutRuns.id, run.runId));
    expect(runRow).toMatchObject({ payoutsCreated: run.payouts_created, totalNanos: run.total_nanos });

    expect(await linesOf(`payout:${payout.id}`)).toEqual([
      { account: "provider_earnings", organizationId: p.organizationId, amount_nanos: -USD("13.34"), kind: "payout" },
      { account: "provider_in_transit", organizationId: p.organizationId, amount_nanos: USD("13.34"), kind: "payout" },
    ]);
    expect(await balances(p.organizationId)).toEqual({ balance_nanos: USD("7.005678901"), on_hold_nanos: USD("7"), payable_nanos: USD("0.005678901"), owed_nanos: 0n, in_transit_nanos: USD("13.34"), paid_out_nanos: 0n });

    // A week later the held earnings are payable too; the rest below a cent still waits for more.
    const later = at(POLICY.hold_ms);
    expect(await balances(p.organizationId, later)).toMatchObject({ on_hold_nanos: 0n, payable_nanos: USD("7.005678901") });
  });

  it("below the minimum, or an account Stripe cannot pay yet: nothing is claimed", async () => {
    const below = await provider();
    await earn(below.organizationId, "9.999999999", 8 * DAY_MS);
    const exact = await provider();
    await earn(exact.organizationId, "10", 8 * DAY_MS);
    const held = await provider();
    await earn(held.organizationId, "500", DAY_MS);
    const started = await provider({ account: "started" });
    await earn(started.organizationId, "40", 8 * DAY_MS);
    const none = await provider({ account: "none" });
    await earn(none.organizationId, "40", 8 * DAY_MS);
    const noTax = await provider({ account: "ready_without_tax" }); // Stripe still pays under the 1099 threshold
    await earn(noTax.organizationId, "10.50", 8 * DAY_MS);
    const blocked = await provider();
    await earn(blocked.organizationId, "40", 8 * DAY_MS);
    await fake.requireMore(blocked.stripeAccountId!, ["individual.verification.document"], { disable: true });
    await syncConnectedAccount(services, { stripeAccountId: blocked.stripeAccountId! });

    expect(await createPayout(services, { organizationId: below.organizationId, trigger: "operator", runId: null })).toEqual({ outcome: "below_minimum", payable_nanos: USD("9.999999999") });
    expect(await createPayout(services, { organizationId: held.organizationId, trigger: "operator", runId: null })).toEqual({ outcome: "below_minimum", payable_nanos: 0n });
    for (const org of [started, none, blocked]) expect(await createPayout(services, { organizationId: org.organizationId, trigger: "operator", runId: null })).toEqual({ outcome: "account_not_ready" });

    const { jobs } = recordingJobs();
    await runPayouts(services, jobs, { trigger: "operator" });
    for (const org of [below, held, started, none, blocked]) expect(await payoutsOf(org.organizationId)).toEqual([]);
    expect((await payoutsOf(exact.organizationId)).map((r) => r.amountNanos)).toEqual([USD("10")]);
    expect((await payoutsOf(noTax.organizationId)).map((r) => r.amountNanos)).toEqual([USD("10.50")]);
    expect(await balances(below.organizationId)).toMatchObject({ payable_nanos: USD("9.999999999"), in_transit_nanos: 0n });
    expect(await balances(held.organizationId)).toMatchObject({ on_hold_nanos: USD("500"), payable_nanos: 0n });
  });

  it("two concurrent runs racing early requests claim each provider exactly once", async () => {
    const ps = await Promise.all([provider(), provider(), provider()]);
    for (const p of ps) await earn(p.organizationId, "20", 8 * DAY_MS);
    const { jobs, sent } = recordingJobs();
    const results = await Promise.allSettled([
      runPayouts(services, jobs, { trigger: "operator" }),
      requestEarlyPayout(services, jobs, { organizationId: ps[0].organizationId }),
      runPayouts(services, jobs, { trigger: "schedule" }),
      requestEarlyPayout(services, jobs, { organizationId: ps[1].organizationId }),
      requestEarlyPayout(services, jobs, { organizationId: ps[0].organizationId }),
      createPayout(services, { organizationId: ps[2].organizationId, trigger: "operator", runId: null }),
    ]);
    for (const r of results) {
      // An early request that lost the race says so in words; nothing else fails.
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: expect.stringMatching(/^(conflict|rate_limited)$/) });
    }
    for (const p of ps) {
      const rows = await payoutsOf(p.organizationId);
      expect(rows.map((r) => [r.status, r.amountNanos])).toEqual([["pending", USD("20")]]);
      expect(await balances(p.organizationId)).toMatchObject({ balance_nanos: 0n, payable_nanos: 0n, in_transit_nanos: USD("20") });
      // Its job was sent (keyed by the payout) unless it was claimed by the bare createPayout above.
      const jobsFor = sent.filter((j) => j.payoutId === rows[0]!.id);
      if (rows[0]!.runId !== null || rows[0]!.trigger === "early") expect(jobsFor).toEqual([{ name: "payout-transfer", payoutId: rows[0]!.id, singletonKey: rows[0]!.id }]);
    }
  });

  it("a run pays a provider at most once, even re-run after its payout moved on; a failed transfer is payable again", async () => {
    const p = await provider();
    await earn(p.organizationId, "30", 8 * DAY_MS);
    const runId = newId("payoutRun");
    const first = await createPayout(services, { organizationId: p.organizationId, trigger: "scheduled", runId });
    if (first.outcome !== "created") throw new Error(`expected a claim, got ${first.outcome}`);
    expect(await createPayout(services, { organizationId: p.organizationId, trigger: "scheduled", runId })).toEqual({ outcome: "in_progress" }); // pending
    // Stripe refused the transfer: the amount is payable again...
    await services.db.transaction((tx) => markTransferFailed(tx, { payoutId: first.payoutId, reason: "test: refused", at: services.now() }));
    expect(await balances(p.organizationId)).toMatchObject({ payable_nanos: USD("30"), in_transit_nanos: 0n });
    // ...but the same run (re-run after a crash) does not pay it again; another one does.
    expect(await createPayout(services, { organizationId: p.organizationId, trigger: "scheduled", runId })).toEqual({ outcome: "in_progress" });
    const second = await createPayout(services, { organizationId: p.organizationId, trigger: "operator", runId: newId("payoutRun") });
    expect(second).toMatchObject({ outcome: "created", amount_nanos: USD("30") });
    expect((await payoutsOf(p.organizationId)).map((r) => r.status)).toEqual(["failed", "pending"]);
    expect(await linesOf(`payout:${first.payoutId}:failed`)).toEqual([
      { account: "provider_earnings", organizationId: p.organizationId, amount_nanos: USD("30"), kind: "payout_failure" },
      { account: "provider_in_transit", organizationId: p.organizationId, amount_nanos: -USD("30"), kind: "payout_failure" },
    ]);
  });

  it("early payouts: refusals in words, then at most one per PAYOUT_EARLY_INTERVAL_HOURS (a failed one does not count)", async () => {
    const none = await provider({ account: "none" });
    await earn(none.organizationId, "50", 8 * DAY_MS);
    await expect(requestEarlyPayout(services, recordingJobs().jobs, { organizationId: none.organizationId })).rejects.toMatchObject({ code: "forbidden", message: ACCOUNT_NOT_READY_MESSAGE });
    const started = await provider({ account: "started" });
    await earn(started.organizationId, "50", 8 * DAY_MS);
    await expect(requestEarlyPayout(services, recordingJobs().jobs, { organizationId: started.organizationId })).rejects.toMatchObject({ code: "forbidden", message: ACCOUNT_NOT_READY_MESSAGE });

    const p = await provider();
    await earn(p.organizationId, "40", DAY_MS);
    await expect(requestEarlyPayout(services, recordingJobs().jobs, { organizationId: p.organizationId })).rejects.toMatchObject({ code: "conflict", message: "Nothing is payable yet: earnings become payable 7 days after they are earned." });
    await earn(p.organizationId, "5.5", 8 * DAY_MS);
    await expect(requestEarlyPayout(services, recordingJobs().jobs, { organizationId: p.organizationId })).rejects.toMatchObject({ code: "conflict", message: belowMinimumMessage(USD("5.5"), POLICY) });
    expect(belowMinimumMessage(USD("5.5"), POLICY)).toBe("Only $5.50 is payable, and payouts start at $10.00 (earnings become payable 7 days after they are earned).");

    await earn(p.organizationId, "6", 8 * DAY_MS);
    const { jobs, sent } = recordingJobs();
    const early = await requestEarlyPayout(services, jobs, { organizationId: p.organizationId });
    expect(early.amount_nanos).toBe(USD("11.50"));
    expect(sent).toEqual([{ name: "payout-transfer", payoutId: early.payoutId, singletonKey: early.payoutId }]);
    const [row] = await payoutsOf(p.organizationId);
    expect(row).toMatchObject({ id: early.payoutId, trigger: "early", runId: null, status: "pending", amountNanos: USD("11.50") });

    // Transferred, and more became payable: still one early payout a day, and the error says from when.
    await services.db.transaction((tx) => markTransferred(tx, { payoutId: early.payoutId, transfer: transferOf(row!), at: services.now() }));
    await earn(p.organizationId, "20", 8 * DAY_MS);
    const allowed_at = new Date(row!.createdAt.getTime() + POLICY.early_interval_ms);
    const limited = requestEarlyPayout(at(POLICY.early_interval_ms - 5 * MINUTE_MS), jobs, { organizationId: p.organizationId });
    await expect(limited).rejects.toMatchObject({ code: "rate_limited", message: earlyRateLimitMessage(allowed_at, POLICY), details: { retry_at: allowed_at.toISOString() } });
    expect(earlyRateLimitMessage(new Date("2026-12-03T04:05:06Z"), POLICY)).toBe("You can request an early payout once every 24 hours; your next one is possible from 2026-12-03 04:05 UTC.");
    // A scheduled or operator run is not limited by it.
    const run = await runPayouts(services, recordingJobs().jobs, { trigger: "operator" });
    const runPaid = (await payoutsOf(p.organizationId)).find((r) => r.runId === run.runId);
    expect(runPaid?.amountNanos).toBe(USD("20"));
    await services.db.transaction((tx) => markTransferred(tx, { payoutId: runPaid!.id, transfer: transferOf(runPaid!), at: services.now() }));

    // A day on, allowed again; Stripe refuses that one, and a refused early payout does not hold the next back.
    await earn(p.organizationId, "12", 8 * DAY_MS);
    const dayLater = at(POLICY.early_interval_ms + MINUTE_MS);
    const second = await requestEarlyPayout(dayLater, jobs, { organizationId: p.organizationId });
    expect(second.amount_nanos).toBe(USD("12"));
    await services.db.transaction((tx) => markTransferFailed(tx, { payoutId: second.payoutId, reason: "test: refused", at: dayLater.now() }));
    const third = await requestEarlyPayout(at(POLICY.early_interval_ms + 2 * MINUTE_MS), jobs, { organizationId: p.organizationId });
    expect(third.amount_nanos).toBe(USD("12"));
    expect((await payoutsOf(p.organizationId)).map((r) => [r.trigger, r.status, r.amountNanos])).toEqual([
      ["early", "transferred", USD("11.50")],
      ["operator", "transferred", USD("20")],
      ["early", "failed", USD("12")],
      ["early", "pending", USD("12")],
    ]);
  });

  it("an early request while a payout is being sent is refused as in progress", async () => {
    const p = await provider();
    await earn(p.organizationId, "15", 8 * DAY_MS);
    const { jobs } = recordingJobs();
    const run = await runPayouts(services, jobs, { trigger: "operator" });
    expect((await payoutsOf(p.organizationId)).map((r) => r.runId)).toEqual([run.runId]);
    await earn(p.organizationId, "15", 8 * DAY_MS);
    await expect(requestEarlyPayout(services, jobs, { organizationId: p.organizationId })).rejects.toMatchObject({ code: "conflict", message: PAYOUT_IN_PROGRESS_MESSAGE });
  });

  it("resumable payouts: pending over a minute, transferred without a bank payout; a failed bank payout waits for the next run", async () => {
    const p = await provider();
    await earn(p.organizationId, "15", 8 * DAY_MS);
    const fresh = await createPayout(services, { organizationId: p.organizationId, trigger: "early", runId: null });
    if (fresh.outcome !== "created") throw new Error(`expected a claim, got ${fresh.outcome}`);
    expect(await findResumablePayouts(services.db, { now: services.now() })).not.toContain(fresh.payoutId);
    expect(await findResumablePayouts(services.db, { now: new Date(Date.now() + RESUME_AFTER_MS + 1_000) })).toContain(fresh.payoutId);

    const q = await provider();
    await earn(q.organizationId, "15", 8 * DAY_MS);
    const old = await createPayout(at(-5 * MINUTE_MS), { organizationId: q.organizationId, trigger: "early", runId: null });
    if (old.outcome !== "created") throw new Error(`expected a claim, got ${old.outcome}`);
    expect(await findResumablePayouts(services.db, { now: services.now() })).toContain(old.payoutId);
    // Transferred two minutes ago, the job died before asking for the bank payout: resumed.
    const [row] = await payoutsOf(q.organizationId);
    await services.db.transaction((tx) => markTransferred(tx, { payoutId: old.payoutId, transfer: transferOf(row!), at: new Date(Date.now() - 2 * MINUTE_MS) }));
    expect(await findResumablePayouts(services.db, { now: services.now() })).toContain(old.payoutId);
    // Its bank payout failed: not every minute, but by the next run.
    await services.db.update(payouts).set({ bankPayoutId: `po_test_${old.payoutId}`, bankStatus: "failed", bankAttempts: 1, bankFailureMessage: "The bank account has been closed." }).where(eq(payouts.id, old.payoutId));
    expect(await findResumablePayouts(services.db, { now: services.now() })).not.toContain(old.payoutId);
    const { jobs, sent } = recordingJobs();
    const run = await runPayouts(services, jobs, { trigger: "operator" });
    expect(run.bank_payouts_retried).toBeGreaterThanOrEqual(1);
    expect(sent.filter((j) => j.payoutId === old.payoutId)).toEqual([{ name: "payout-transfer", payoutId: old.payoutId, singletonKey: old.payoutId }]);
    // Paid at the bank: out of transit, into paid out.
    await services.db.update(payouts).set({ status: "paid", bankStatus: "paid", paidAt: services.now() }).where(and(eq(payouts.id, old.payoutId)));
    expect(await balances(q.organizationId)).toMatchObject({ in_transit_nanos: 0n, paid_out_nanos: USD("15") });
    expect(await findResumablePayouts(services.db, { now: services.now() })).not.toContain(old.payoutId);
  });
});
