import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "../../../../db/client";
import { accountingPeriods, journalEntries, ledgerLines, organizations, paymentAdjustments, payouts, periodClosingBalances, type LedgerAccount } from "../../../../db/schema";
import type { ExportKind } from "../../../../lib/export-catalog";
import { createTestDatabase, DB_KINDS, type DbKind } from "../../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../../test/fake-stripe";
import { recordAdjustment } from "../../../billing/adjustments/record-adjustment";
import { applyTransfer } from "../../../billing/payouts/apply-transfer";
import { markTransferFailed } from "../../../billing/payouts/mark-transferred";
import { buyerStripeLines, postJournalEntry } from "../../../billing/post-journal-entry";
import type { StripeBilling } from "../../../billing/stripe/client";
import { closePeriod } from "../../periods/close-period";
import { monthPeriod, rangePeriod, type Period } from "../../period";
import type { ExportFilter } from "../export-definition";
import { exportToMemory, testServices } from "../export-test-data";
import { FIXED_BUYERS, FIXED_PROVIDER, insertFixedLedger } from "../fixed-ledger";

/**
 * The four statement and register exports over one fixed data set (every id chosen, exports-core's fixed ledger
 * plus payouts, refunds, disputes and a clawback here) on both databases: the same data writes the same bytes;
 * a real close of October freezes what the October statements say; late postings after the close leave every
 * October export byte-identical and show up in November as late corrections; so do the payouts and refunds and
 * disputes of October changing after the close through the real services (a transfer made and reversed, a
 * transfer refused, a dispute lost, a refund failed, a top-up credited late): the registers are as of the
 * period's end. These databases are this file's own; the fake Stripe (its connected account) is shared by both.
 */
const OCT = monthPeriod("2026-10");
const NOV = monthPeriod("2026-11");
const RANGE: Period = { start: new Date("2026-10-25T05:00:00Z"), end: new Date("2026-11-03T00:00:00Z") };
const KINDS = ["buyer-statements", "provider-statements", "payouts", "adjustments"] as const satisfies readonly ExportKind[];

const id = (prefix: string, n: number) => `${prefix}_${String(n).padStart(26, "0")}`;
const T = (iso: string) => new Date(iso);
type Line = { account: LedgerAccount; organizationId: string | null; amountNanos: bigint };
const USD = (n: number) => BigInt(n) * 1_000_000_000n;
/** Two more providers, each with a payout claimed in October and still pending when October closes (one pending payout per provider). */
const LATE_PROVIDERS = [id("org", 7), id("org", 8)] as const;
const EXPRESS: Stripe.AccountCreateParams = {
  controller: { fees: { payer: "application" }, losses: { payments: "application" }, requirement_collection: "stripe", stripe_dashboard: { type: "express" } },
  capabilities: { transfers: { requested: true } },
  settings: { payouts: { schedule: { interval: "manual" } } },
  country: "US",
};

/** One entry with chosen ids (postJournalEntry draws fresh ones, which two databases could not share). */
async function entry(db: Db, n: number, e: { kind: string; key: string; at: Date; stripeObjectId?: string; lines: Line[] }) {
  await db.insert(journalEntries).values({ id: id("je", n), kind: e.kind, idempotencyKey: e.key, stripeObjectId: e.stripeObjectId ?? null, createdAt: e.at });
  await db.insert(ledgerLines).values(e.lines.map((l, i) => ({ id: id("ll", n * 10 + i), journalEntryId: id("je", n), createdAt: e.at, ...l })));
}

async function insertFixedRegisters(db: Db, lateAccountId: string) {
  const prov = FIXED_PROVIDER;
  const claim = (x: bigint): Line[] => [
    { account: "provider_earnings", organizationId: prov, amountNanos: -x },
    { account: "provider_in_transit", organizationId: prov, amountNanos: x },
  ];
  // Paid in October; failed across the month's edge; still pending in November.
  await db.insert(payouts).values([
    { id: id("pyt", 1), organizationId: prov, stripeAccountId: "acct_fixed", trigger: "scheduled", runId: id("prun", 1), amountNanos: USD(3), status: "paid", stripeTransferId: "tr_fixed_1", bankPayoutId: "po_fixed_1", bankStatus: "paid", bankArrivalAt: T("2026-10-28T00:00:00Z"), createdAt: T("2026-10-25T10:00:00.000Z"), transferredAt: T("2026-10-25T11:00:00.000Z"), paidAt: T("2026-10-28T09:30:00.000Z") },
    { id: id("pyt", 2), organizationId: prov, stripeAccountId: "acct_fixed", trigger: "early", runId: null, amountNanos: USD(1), status: "failed", failureReason: "=account closed, \"sorry\"", createdAt: T("2026-10-31T23:59:59.999Z") },
    { id: id("pyt", 3), organizationId: prov, stripeAccountId: "acct_fixed", trigger: "operator", runId: id("prun", 2), amountNanos: 1_230_000_000n, status: "pending", createdAt: T("2026-11-02T08:00:00.000Z") },
  ]);
  await entry(db, 201, { kind: "payout", key: `payout:${id("pyt", 1)}`, at: T("2026-10-25T10:00:00.000Z"), lines: claim(USD(3)) });
  await entry(db, 202, { kind: "payout_transfer", key: `payout:${id("pyt", 1)}:transferred`, at: T("2026-10-25T11:00:00.000Z"), stripeObjectId: "tr_fixed_1", lines: [{ account: "provider_in_transit", organizationId: prov, amountNanos: -USD(3) }, { account: "stripe_clearing", organizationId: null, amountNanos: USD(3) }] });
  await entry(db, 203, { kind: "payout", key: `payout:${id("pyt", 2)}`, at: T("2026-10-31T23:59:59.999Z"), lines: claim(USD(1)) });
  await entry(db, 204, { kind: "payout_failure", key: `payout:${id("pyt", 2)}:failed`, at: T("2026-11-01T00:00:00.000Z"), lines: [{ account: "provider_in_transit", organizationId: prov, amountNanos: -USD(1) }, { account: "provider_earnings", organizationId: prov, amountNanos: USD(1) }] });
  await entry(db, 205, { kind: "payout", key: `payout:${id("pyt", 3)}`, at: T("2026-11-02T08:00:00.000Z"), lines: claim(1_230_000_000n) });
  // Pending when October closes: pyt_4 is transferred and reversed after the close, pyt_5 refused after it.
  await db.insert(organizations).values(LATE_PROVIDERS.map((o, i) => ({ id: o, name: `Late farm ${i}`, slug: `late-farm-${i}`, createdAt: T("2026-01-01T00:00:00Z") })));
  for (const [i, o] of LATE_PROVIDERS.entries()) {
    const at = T(`2026-10-2${6 + i}T10:00:00.000Z`);
    await db.insert(payouts).values({ id: id("pyt", 4 + i), organizationId: o, stripeAccountId: lateAccountId, trigger: "scheduled", runId: id("prun", 3), amountNanos: USD(4 + i), status: "pending", createdAt: at });
    await entry(db, 206 + i, { kind: "payout", key: `payout:${id("pyt", 4 + i)}`, at, lines: [{ account: "provider_earnings", organizationId: o, amountNanos: -USD(4 + i) }, { account: "provider_in_transit", organizationId: o, amountNanos: USD(4 + i) }] });
  }

  // A refund and a dispute (withdrawn in October, won in November), and the dispute's clawback of on-hold earnings.
  await db.insert(paymentAdjustments).values([
    { id: "re_fixed_1", kind: "refund", organizationId: FIXED_BUYERS[0], topUpId: id("tu", 1), stripeChargeId: "ch_fixed_1", amountNanos: USD(5), status: "succeeded", reason: "requested_by_customer", stripeCreatedAt: T("2026-10-22T09:00:00Z") },
    { id: "dp_fixed_1", kind: "dispute", organizationId: FIXED_BUYERS[1], topUpId: null, stripeChargeId: "ch_fixed_2", amountNanos: USD(10), status: "won", reason: "fraudulent", stripeCreatedAt: T("2026-10-30T12:00:00Z") },
  ]);
  const buyer = (org: string, x: bigint): Line[] => buyerStripeLines(org, x).map((l) => ({ account: l.account, organizationId: l.organizationId, amountNanos: l.amount_nanos }));
  await entry(db, 301, { kind: "refund", key: "refund:re_fixed_1", at: T("2026-10-22T09:00:01.000Z"), stripeObjectId: "re_fixed_1", lines: buyer(FIXED_BUYERS[0], -USD(5)) });
  await entry(db, 302, { kind: "dispute_withdrawal", key: "dispute:dp_fixed_1:withdrawn", at: T("2026-10-30T12:00:01.000Z"), stripeObjectId: "dp_fixed_1", lines: buyer(FIXED_BUYERS[1], -USD(10)) });
  await entry(db, 303, { kind: "clawback", key: "clawback:dispute:dp_fixed_1:withdrawn", at: T("2026-10-30T12:00:01.000Z"), lines: [{ account: "provider_earnings", organizationId: prov, amountNanos: -700_000_000n }, { account: "buyer_balance", organizationId: FIXED_BUYERS[1], amountNanos: 700_000_000n }] });
  await entry(db, 304, { kind: "dispute_reinstatement", key: "dispute:dp_fixed_1:reinstated", at: T("2026-11-10T00:00:00.000Z"), stripeObjectId: "dp_fixed_1", lines: buyer(FIXED_BUYERS[1], USD(10)) });
}

type Case = { kind: (typeof KINDS)[number]; filter: Partial<ExportFilter> & { period: Period } };
const CASES: Case[] = [
  ...KINDS.flatMap((kind) => [{ kind, filter: { period: OCT } }, { kind, filter: { period: NOV } }]),
  ...(["buyer-statements", "adjustments"] as const).map((kind) => ({ kind, filter: { period: OCT, organizationId: FIXED_BUYERS[1] } })),
  { kind: "provider-statements", filter: { period: NOV, organizationId: FIXED_PROVIDER } },
  { kind: "payouts", filter: { period: RANGE } },
  { kind: "adjustments", filter: { period: RANGE, organizationId: FIXED_BUYERS[1] } },
];

describe("statement and register exports: bytes across databases, and a closed month", () => {
  const dbs = {} as Record<DbKind, Database>;
  let fake: FakeStripe;
  let billing: StripeBilling;
  let account: string;

  beforeAll(async () => {
    fake = await startFakeStripe({ platformFundsCents: 100_00 });
    billing = { client: fake.client(), webhook_secret: fake.webhookSecret, connect_webhook_secret: null, meter_event_name: "spotlane_usage_nanos", metered_price_id: fake.meteredPriceId, top_up_min_nanos: 0n, top_up_max_nanos: 10n ** 15n };
    account = (await billing.client.accounts.create(EXPRESS)).id;
    await fake.completeOnboarding(account, { tax: true });
    for (const kind of DB_KINDS) {
      dbs[kind] = await createTestDatabase(kind);
      await insertFixedLedger(dbs[kind].db);
      await insertFixedRegisters(dbs[kind].db, account);
    }
  });
  afterAll(async () => {
    for (const kind of DB_KINDS) await dbs[kind]?.close();
    await fake?.close();
  });

  /** October closed (by the test before, or here when that one was filtered out). */
  const closeOctober = async (db: Db) => {
    if ((await db.select().from(accountingPeriods).where(eq(accountingPeriods.periodStart, OCT.start))).length > 0) return;
    await closePeriod({ ...testServices(db), now: () => T("2026-12-15T00:00:00Z") }, { month: "2026-10", actor: null });
  };

  it("the same data exports the same bytes on PGlite and PostgreSQL, for every filter", async () => {
    for (const c of CASES) {
      const [a, b] = [await exportToMemory(dbs.pglite.db, c.kind, c.filter), await exportToMemory(dbs.postgres.db, c.kind, c.filter)];
      const label = `${c.kind} ${JSON.stringify(c.filter)}`;
      expect(a.rows.length, label).toBeGreaterThan(0);
      expect(a.bytes.toString("utf8"), label).toBe(b.bytes.toString("utf8"));
    }
    // As of each period's end: pyt_2's failure (Nov 1, 00:00) is after October's, so October has it claimed and the range has it failed.
    const asOfEnd = (rows: Record<string, string>[]) => rows.map((r) => [r.payout_id, r.claim_journal_entry_id, r.status_at_period_end, r.transferred_entry_id, r.transferred_at, r.stripe_transfer_id, r.failed_entry_id, r.failed_at]);
    const { rows } = await exportToMemory(dbs.pglite.db, "payouts", { period: OCT });
    expect(asOfEnd(rows)).toEqual([
      [id("pyt", 1), id("je", 201), "transferred", id("je", 202), "2026-10-25T11:00:00.000Z", "tr_fixed_1", "", ""],
      [id("pyt", 4), id("je", 206), "claimed", "", "", "", "", ""],
      [id("pyt", 5), id("je", 207), "claimed", "", "", "", "", ""],
      [id("pyt", 2), id("je", 203), "claimed", "", "", "", "", ""],
    ]);
    expect(rows[0]).toMatchObject({ created_at: "2026-10-25T10:00:00.000Z", amount_usd_exact: "3.000000000", amount_usd_rounded: "3.00", run_id: id("prun", 1), trigger: "scheduled", stripe_account_id: "acct_fixed" });
    expect(asOfEnd((await exportToMemory(dbs.pglite.db, "payouts", { period: RANGE })).rows).find((r) => r[0] === id("pyt", 2))).toEqual([id("pyt", 2), id("je", 203), "failed", "", "", "", id("je", 204), "2026-11-01T00:00:00.000Z"]);
    // The adjustments' top-up is the ledger's (`top_up:<id>` of the charge): the fixed ledger's top-up is keyed otherwise, so none.
    const adjustments = (await exportToMemory(dbs.pglite.db, "adjustments", { period: OCT })).rows;
    expect(adjustments.map((r) => [r.journal_entry_id, r.kind, r.stripe_charge_id, r.top_up_id, r.adjustment_kind, r.adjustment_created_at])).toEqual([
      [id("je", 301), "refund", "ch_fixed_1", "", "refund", "2026-10-22T09:00:00.000Z"],
      [id("je", 302), "dispute_withdrawal", "ch_fixed_2", "", "dispute", "2026-10-30T12:00:00.000Z"],
    ]);
  });

  it("a real close of October: statements' closing = the frozen balances = November's opening; late postings leave October's bytes alone", async () => {
    for (const kind of DB_KINDS) {
      const { db } = dbs[kind];
      const before = await Promise.all(KINDS.map((k) => exportToMemory(db, k, { period: OCT })));
      await closeOctober(db);

      const frozen = async (account: LedgerAccount) =>
        new Map(
          (await db.select().from(periodClosingBalances).where(and(eq(periodClosingBalances.periodStart, OCT.start), eq(periodClosingBalances.account, account))))
            .filter((b) => b.amountNanos !== 0n)
            .map((b) => [b.organizationId, String(b.amountNanos)]),
        );
      const nonZero = (rows: Record<string, string>[], column: string) => new Map(rows.filter((r) => r[column] !== "0").map((r) => [r.organization_id, r[column]]));
      const [buyersOct, providersOct] = [before[0]!.rows, before[1]!.rows];
      expect(nonZero(buyersOct, "closing_nanos")).toEqual(await frozen("buyer_balance"));
      expect(nonZero(providersOct, "provider_earnings_closing_nanos")).toEqual(await frozen("provider_earnings"));
      expect(nonZero(providersOct, "provider_in_transit_closing_nanos")).toEqual(await frozen("provider_in_transit"));

      // Late: a refund and a clawback release that happened in October, heard of after the close.
      await postJournalEntry(db, { kind: "refund", idempotencyKey: "refund:re_fixed_late", stripeObjectId: "re_fixed_late", at: T("2026-10-28T10:00:00.000Z"), lines: buyerStripeLines(FIXED_BUYERS[0], -USD(2)) });
      await postJournalEntry(db, {
        kind: "clawback_release",
        idempotencyKey: "clawback:dispute:dp_fixed_1:withdrawn:released",
        at: T("2026-10-31T00:00:00.000Z"),
        lines: [{ account: "provider_earnings", organizationId: FIXED_PROVIDER, amount_nanos: 700_000_000n }, { account: "buyer_balance", organizationId: FIXED_BUYERS[1], amount_nanos: -700_000_000n }],
      });
      const after = await Promise.all(KINDS.map((k) => exportToMemory(db, k, { period: OCT })));
      for (const [i, k] of KINDS.entries()) expect(after[i]!.bytes.equals(before[i]!.bytes), k).toBe(true);

      const buyersNov = (await exportToMemory(db, "buyer-statements", { period: NOV })).rows;
      expect(new Map(buyersNov.map((r) => [r.organization_id, r.opening_nanos]))).toEqual(new Map(buyersOct.map((r) => [r.organization_id, r.closing_nanos])));
      expect(buyersNov.find((r) => r.organization_id === FIXED_BUYERS[1])).toMatchObject({ clawback_release_nanos: "-700000000", dispute_reinstatement_nanos: "10000000000" });
      const providersNov = (await exportToMemory(db, "provider-statements", { period: NOV })).rows;
      expect(providersNov.map((r) => [r.provider_earnings_opening_nanos, r.provider_in_transit_opening_nanos])).toEqual(providersOct.map((r) => [r.provider_earnings_closing_nanos, r.provider_in_transit_closing_nanos]));
      const late = (await exportToMemory(db, "adjustments", { period: NOV })).rows.find((r) => r.stripe_object_id === "re_fixed_late")!;
      expect(late).toMatchObject({ posted_at: "2026-11-01T00:00:00.000Z", occurred_at: "2026-10-28T10:00:00.000Z", amount_nanos: "-2000000000", organization_id: FIXED_BUYERS[0], stripe_charge_id: "", adjustment_kind: "" });
    }
  });

  it("after the close, October's payouts are transferred, reversed and refused and its refund and dispute change at Stripe: October's exports keep every byte", async () => {
    for (const kind of DB_KINDS) {
      const { db } = dbs[kind];
      await closeOctober(db);
      const before = await Promise.all(KINDS.map((k) => exportToMemory(db, k, { period: OCT })));
      const now = T("2026-12-16T00:00:00Z");
      const ctx = { ...testServices(db), now: () => now, stripe: billing };

      // pyt_4: Stripe makes its transfer (heard of by the transfer webhook's re-read), then reverses it in two parts.
      const transfer = await billing.client.transfers.create({ amount: 4_00, currency: "usd", destination: account, transfer_group: id("pyt", 4), metadata: { payout_id: id("pyt", 4) } });
      expect(await applyTransfer(ctx, transfer.id)).toMatchObject({ outcome: "applied", transferred_now: true });
      await fake.reverseTransfer(transfer.id, 1_50);
      expect(await applyTransfer(ctx, transfer.id)).toMatchObject({ outcome: "applied", reversals_posted: 1 });
      await fake.reverseTransfer(transfer.id);
      expect(await applyTransfer(ctx, transfer.id)).toMatchObject({ outcome: "applied", reversals_posted: 1 });
      // pyt_5: Stripe refuses its transfer.
      expect(await db.transaction((tx) => markTransferFailed(tx, { payoutId: id("pyt", 5), reason: "=account closed", at: now }))).toEqual({ changed: true });
      const row = async (payoutId: string) => (await db.select().from(payouts).where(eq(payouts.id, payoutId)))[0]!;
      expect(await row(id("pyt", 4))).toMatchObject({ status: "reversed", stripeTransferId: transfer.id, amountReversedNanos: USD(4) });
      expect(await row(id("pyt", 5))).toMatchObject({ status: "failed", failureReason: "=account closed" });

      // The refund fails and the dispute is lost (new reasons, a new amount, the top-up link made), read after the close;
      // the dispute's charge is credited as a top-up only now.
      await db.transaction(async (tx) => {
        await recordAdjustment(tx, { id: "re_fixed_1", kind: "refund", organizationId: FIXED_BUYERS[0], topUpId: id("tu", 1), stripeChargeId: "ch_fixed_1", amount_nanos: USD(5), status: "failed", reason: "expired_or_canceled_card", stripeCreatedAt: T("2026-10-22T09:00:00Z"), read_at: now });
        await recordAdjustment(tx, { id: "dp_fixed_1", kind: "dispute", organizationId: FIXED_BUYERS[1], topUpId: "tu_late", stripeChargeId: "ch_fixed_2", amount_nanos: USD(9), status: "lost", reason: "product_not_received", stripeCreatedAt: T("2026-10-30T12:00:00Z"), read_at: now });
      });
      await postJournalEntry(db, { kind: "refund_reversal", idempotencyKey: "refund:re_fixed_1:reversed", stripeObjectId: "re_fixed_1", at: now, lines: buyerStripeLines(FIXED_BUYERS[0], USD(5)) });
      await postJournalEntry(db, { kind: "top_up", idempotencyKey: "top_up:tu_late", stripeObjectId: "ch_fixed_2", at: now, lines: buyerStripeLines(FIXED_BUYERS[1], USD(10)) });
      expect((await db.select().from(paymentAdjustments).where(eq(paymentAdjustments.id, "dp_fixed_1")))[0]).toMatchObject({ status: "lost", reason: "product_not_received", topUpId: "tu_late", amountNanos: USD(9) });

      const after = await Promise.all(KINDS.map((k) => exportToMemory(db, k, { period: OCT })));
      for (const [i, k] of KINDS.entries()) expect(after[i]!.bytes.equals(before[i]!.bytes), `${kind} ${k}`).toBe(true);

      // A period ending after the changes sees them, from the ledger.
      const late = rangePeriod(OCT.start, T("2026-12-17T00:00:00Z"));
      const payoutsLate = new Map((await exportToMemory(db, "payouts", { period: late })).rows.map((r) => [r.payout_id, r]));
      expect(payoutsLate.get(id("pyt", 4))).toMatchObject({ status_at_period_end: "transferred", transferred_at: now.toISOString(), stripe_transfer_id: transfer.id });
      expect(payoutsLate.get(id("pyt", 5))).toMatchObject({ status_at_period_end: "failed", failed_at: now.toISOString(), transferred_entry_id: "" });
      const dispute = (await exportToMemory(db, "adjustments", { period: late })).rows.find((r) => r.journal_entry_id === id("je", 302));
      expect(dispute).toMatchObject({ top_up_id: "tu_late", stripe_charge_id: "ch_fixed_2" });
    }
  });

  it("an organization renamed after the close (an admin may): October's usage, statements, payouts and adjustments keep every byte", async () => {
    const kinds = ["usage", ...KINDS] as const;
    for (const kind of DB_KINDS) {
      const { db } = dbs[kind];
      await closeOctober(db);
      const before = await Promise.all(kinds.map((k) => exportToMemory(db, k, { period: OCT })));
      for (const [i, k] of kinds.entries()) expect(before[i]!.rows.length, `${kind} ${k}`).toBeGreaterThan(0);

      await db.execute(sql`update organizations set name = 'Renamed ' || id`);
      const after = await Promise.all(kinds.map((k) => exportToMemory(db, k, { period: OCT })));
      for (const [i, k] of kinds.entries()) {
        expect(after[i]!.bytes.equals(before[i]!.bytes), `${kind} ${k}`).toBe(true);
        expect(after[i]!.bytes.toString("utf8"), `${kind} ${k}`).not.toContain("Renamed");
      }
    }
  });
});
