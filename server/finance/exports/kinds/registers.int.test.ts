import { Writable } from "node:stream";
// An independent RFC 4180 reader reads back what csv-stringify wrote.
import { parse as parseCsv } from "csv-parse/sync";
import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, paymentAdjustments, payouts, type LedgerAccount } from "../../../../db/schema";
import { newId } from "../../../../lib/ids";
import { centsToNanos } from "../../../../lib/money";
import { stripeAmountCents } from "../../../billing/stripe/client";
import { createTestDatabase, DB_KINDS } from "../../../../test/database";
import { seedOrganization } from "../../../../test/market-fixtures";
import { markTransferFailed, markTransferred } from "../../../billing/payouts/mark-transferred";
import { buyerStripeLines, postJournalEntry } from "../../../billing/post-journal-entry";
import { monthPeriod, rangePeriod, type Period } from "../../period";
import { exactUsd, roundedCentsUsd } from "../csv-cells";
import type { ExportFilter } from "../export-definition";
import { runExport } from "../run-export";
import { ADJUSTMENT_ENTRY_KINDS } from "./adjustments";

type Db = Awaited<ReturnType<typeof createTestDatabase>>["db"];
type Csv = Record<string, string>[];

async function exportCsv(db: Db, kind: "payouts" | "adjustments", filter: Pick<ExportFilter, "period" | "organizationId">): Promise<string> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  await runExport(db, kind, { ...filter, apiKeyId: null, modelId: null }, out);
  return Buffer.concat(chunks).toString("utf8");
}

const OCT = monthPeriod("2026-10");
const DEC = monthPeriod("2026-12");
const atArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom("2026-10-31T23:59:59.999Z", "2026-11-01T00:00:00.000Z", "2026-11-30T23:59:59.999Z", "2026-12-01T00:00:00.000Z").map((s) => new Date(s)) },
  { weight: 3, arbitrary: fc.integer({ min: OCT.start.getTime(), max: DEC.end.getTime() - 1 }).map((ms) => new Date(ms)) },
);
/** Months, a mid-month range whose ends cut through the data, and a period before any of it. */
const PERIODS: Period[] = [
  monthPeriod("2026-10"),
  monthPeriod("2026-11"),
  monthPeriod("2026-12"),
  rangePeriod(new Date("2026-11-10T12:00:00.000Z"), new Date("2026-11-20T00:00:00.000Z")),
  monthPeriod("2025-01"),
];
const periodArb = fc.constantFrom(...PERIODS);

type PayoutCase = { org: number; cents: number; claimAt: Date; createdEarlyMs: number; fate: "pending" | "transferred" | "failed" | "reversed_part" | "reversed_all" };
const payoutArb: fc.Arbitrary<PayoutCase> = fc.record({
  org: fc.nat(1),
  cents: fc.integer({ min: 1, max: 5_000_000 }),
  claimAt: atArb,
  // A payout row stamped before its claim's posting date (the claim moved into the open period): the claim decides.
  createdEarlyMs: fc.constantFrom(0, 0, 1, 3_600_000),
  fate: fc.constantFrom("pending", "transferred", "failed", "reversed_part", "reversed_all"),
});

type AdjustmentCase = { org: number; kind: (typeof ADJUSTMENT_ENTRY_KINDS)[number]; cents: number; at: Date; withRow: boolean; status: string; reason: string | null; topUpAt: Date | null };
const adjustmentArb: fc.Arbitrary<AdjustmentCase> = fc.record({
  org: fc.nat(1),
  kind: fc.constantFrom(...ADJUSTMENT_ENTRY_KINDS),
  cents: fc.integer({ min: 1, max: 5_000_000 }),
  at: atArb,
  // An entry whose Stripe object has no row yet is still the ledger's, so it is still exported.
  withRow: fc.constantFrom(true, true, true, false),
  status: fc.constantFrom("succeeded", "pending", "failed", "needs_response", "won", "lost"),
  reason: fc.constantFrom(null, "requested_by_customer", "fraudulent", "=cmd|' /C calc'!A0"),
  // When the charge's top-up was credited (`top_up:<id>`, the charge's id as its Stripe object), if ever: before
  // or after the adjustment and the period's end alike (a refund can be read before its top-up is credited).
  topUpAt: fc.option(atArb),
});

const sumCol = (rows: Csv, column: string) => rows.reduce((s, r) => s + BigInt(r[column]!), 0n);
const codePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe.each(DB_KINDS)("register exports on %s", (dbKind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let providers: string[];
  let buyers: string[];

  beforeAll(async () => {
    database = await createTestDatabase(dbKind);
    providers = [(await seedOrganization(database.db, "prov-a")).organizationId, (await seedOrganization(database.db, "prov-b")).organizationId];
    buyers = [(await seedOrganization(database.db, "buyer-a")).organizationId, (await seedOrganization(database.db, "buyer-b")).organizationId];
  });
  afterAll(async () => database?.close());

  /** Σ lines of `account` of `kinds` posted in the period, optionally of one organization. */
  const ledger = async (account: LedgerAccount, kinds: readonly string[], period: Period, organizationId: string | null) => {
    const [row] = await database.db
      .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(
        and(
          eq(ledgerLines.account, account),
          inArray(journalEntries.kind, [...kinds]),
          gte(ledgerLines.createdAt, period.start),
          lt(ledgerLines.createdAt, period.end),
          organizationId ? eq(ledgerLines.organizationId, organizationId) : undefined,
        ),
      );
    return BigInt(row!.total);
  };

  /** A payout as the payout services leave it: the row, its claim, then its transfer, failure or reversals. */
  const makePayout = async (c: PayoutCase) => {
    const organizationId = providers[c.org]!;
    const id = newId("payout");
    const amount_nanos = centsToNanos(c.cents);
    const stripeAccountId = `acct_${organizationId.slice(-8)}`;
    // One pending payout per provider (payouts_one_pending_uq): one still pending gets its transfer first.
    const [pending] = await database.db.select().from(payouts).where(and(eq(payouts.organizationId, organizationId), eq(payouts.status, "pending")));
    if (pending) {
      const transfer = { id: `tr_${pending.id.slice(-10)}`, amount: stripeAmountCents(pending.amountNanos), currency: "usd", destination: stripeAccountId };
      await database.db.transaction((tx) => markTransferred(tx, { payoutId: pending.id, transfer, at: c.claimAt }));
    }
    const fate = c.fate;
    await database.db.insert(payouts).values({ id, organizationId, stripeAccountId, trigger: "scheduled", runId: null, amountNanos: amount_nanos, status: "pending", createdAt: new Date(c.claimAt.getTime() - c.createdEarlyMs), updatedAt: c.claimAt });
    await postJournalEntry(database.db, {
      kind: "payout",
      idempotencyKey: `payout:${id}`,
      at: c.claimAt,
      lines: [
        { account: "provider_earnings", organizationId, amount_nanos: -amount_nanos },
        { account: "provider_in_transit", organizationId, amount_nanos },
      ],
    });
    const later = new Date(c.claimAt.getTime() + 3_600_000);
    if (fate === "failed") await database.db.transaction((tx) => markTransferFailed(tx, { payoutId: id, reason: "-account cannot receive transfers", at: later }));
    if (fate === "transferred" || fate.startsWith("reversed")) {
      await database.db.transaction((tx) => markTransferred(tx, { payoutId: id, transfer: { id: `tr_${id.slice(-10)}`, amount: c.cents, currency: "usd", destination: stripeAccountId }, at: later }));
    }
    if (fate.startsWith("reversed")) {
      const reversed_nanos = fate === "reversed_all" ? amount_nanos : centsToNanos(Math.ceil(c.cents / 2));
      await postJournalEntry(database.db, {
        kind: "payout_reversal",
        idempotencyKey: `transfer_reversal:trr_${id.slice(-10)}`,
        stripeObjectId: `trr_${id.slice(-10)}`,
        at: later,
        lines: [
          { account: "stripe_clearing", organizationId: null, amount_nanos: -reversed_nanos },
          { account: "provider_earnings", organizationId, amount_nanos: reversed_nanos },
        ],
      });
      await database.db.update(payouts).set({ amountReversedNanos: reversed_nanos, ...(fate === "reversed_all" ? { status: "reversed" as const } : {}) }).where(eq(payouts.id, id));
    }
  };

  /** A refund or dispute entry as server/billing/adjustments posts it, with (usually) its payment_adjustments row. */
  const makeAdjustment = async (c: AdjustmentCase, n: number) => {
    const organizationId = buyers[c.org]!;
    const isRefund = c.kind.startsWith("refund");
    const stripeId = `${isRefund ? "re" : "dp"}_${dbKind}_${n}`;
    const amount_nanos = centsToNanos(c.cents);
    if (c.withRow) {
      await database.db.insert(paymentAdjustments).values({ id: stripeId, kind: isRefund ? "refund" : "dispute", organizationId, topUpId: `tu_${n}`, stripeChargeId: `ch_${n}`, amountNanos: amount_nanos, status: c.status, reason: c.reason, stripeCreatedAt: c.at });
      if (c.topUpAt) await postJournalEntry(database.db, { kind: "top_up", idempotencyKey: `top_up:tu_${n}`, stripeObjectId: `ch_${n}`, at: c.topUpAt, lines: buyerStripeLines(organizationId, amount_nanos) });
    }
    // Withdrawals and refunds take from the buyer; reversals and reinstatements give back.
    const sign = c.kind === "refund" || c.kind === "dispute_withdrawal" ? -1n : 1n;
    await postJournalEntry(database.db, { kind: c.kind, idempotencyKey: `${c.kind}:${stripeId}`, stripeObjectId: stripeId, at: c.at, lines: buyerStripeLines(organizationId, sign * amount_nanos) });
  };

  it("payouts: one row per claim posted in the period, Σ amount = the ledger's payout claims, byte-identical on repeat", async () => {
    // Noise the register must not pick up: earnings, a payout of another kind of key.
    await postJournalEntry(database.db, { kind: "request_settlement", idempotencyKey: "noise:settle", at: new Date("2026-11-05T00:00:00.000Z"), lines: [{ account: "provider_earnings", organizationId: providers[0]!, amount_nanos: 5n }, { account: "buyer_balance", organizationId: buyers[0]!, amount_nanos: -5n }] });
    await fc.assert(
      fc.asyncProperty(fc.array(payoutArb, { maxLength: 6 }), periodArb, fc.option(fc.nat(1)), async (cases, period, orgIx) => {
        for (const c of cases) await makePayout(c);
        const organizationId = orgIx === null ? null : providers[orgIx]!;
        const csv = await exportCsv(database.db, "payouts", { period, organizationId });
        const rows: Csv = parseCsv(csv, { columns: true });

        expect(sumCol(rows, "amount_nanos")).toBe(-(await ledger("provider_earnings", ["payout"], period, organizationId)));
        expect(sumCol(rows, "amount_nanos")).toBe(await ledger("provider_in_transit", ["payout"], period, organizationId));
        const claims = await database.db
          .select({ key: journalEntries.idempotencyKey, id: journalEntries.id, at: journalEntries.createdAt })
          .from(journalEntries)
          .where(and(eq(journalEntries.kind, "payout"), gte(journalEntries.createdAt, period.start), lt(journalEntries.createdAt, period.end)));
        const expected = (await Promise.all(claims.map(async (c) => ({ c, p: (await database.db.select().from(payouts).where(eq(payouts.id, c.key.slice("payout:".length))))[0]! }))))
          .filter(({ p }) => organizationId === null || p.organizationId === organizationId)
          .sort((x, y) => x.c.at.getTime() - y.c.at.getTime() || codePoint(x.p.id, y.p.id));
        expect(rows.map((r) => [r.payout_id, r.claim_journal_entry_id, r.claim_posted_at])).toEqual(expected.map(({ c, p }) => [p.id, c.id, c.at.toISOString()]));
        const entryAt = async (key: string) => {
          const [e] = await database.db.select().from(journalEntries).where(eq(journalEntries.idempotencyKey, key));
          return e && e.createdAt < period.end ? e : undefined;
        };
        for (const [i, r] of rows.entries()) {
          const p = expected[i]!.p;
          // As of the period's end, from the ledger: the transfer or failure posted before it, whatever the row says now.
          const [transfer, failure] = [await entryAt(`payout:${p.id}:transferred`), await entryAt(`payout:${p.id}:failed`)];
          expect(r).toEqual({
            payout_id: p.id,
            organization_id: p.organizationId,
            stripe_account_id: p.stripeAccountId,
            trigger: p.trigger,
            run_id: p.runId ?? "",
            amount_nanos: String(p.amountNanos),
            amount_usd_exact: exactUsd(p.amountNanos),
            amount_usd_rounded: roundedCentsUsd(p.amountNanos),
            created_at: p.createdAt.toISOString(),
            claim_journal_entry_id: expected[i]!.c.id,
            claim_posted_at: expected[i]!.c.at.toISOString(),
            status_at_period_end: transfer ? "transferred" : failure ? "failed" : "claimed",
            transferred_entry_id: transfer?.id ?? "",
            transferred_at: transfer?.createdAt.toISOString() ?? "",
            stripe_transfer_id: transfer?.stripeObjectId ?? "",
            failed_entry_id: failure?.id ?? "",
            failed_at: failure?.createdAt.toISOString() ?? "",
          });
          expect(transfer && failure).toBeFalsy();
          // The ledger and the row agree on the transfer once it is booked; a reversed payout was transferred.
          if (transfer) expect(transfer.stripeObjectId).toBe(p.stripeTransferId);
          if (failure) expect(p.status).toBe("failed");
        }
        expect(await exportCsv(database.db, "payouts", { period, organizationId })).toBe(csv);
        if (rows.length === 0) expect(csv).toBe(`${csv.split("\n")[0]}\n`);
      }),
      { numRuns: 8 },
    );
    const empty = await exportCsv(database.db, "payouts", { period: monthPeriod("2025-01"), organizationId: null });
    expect(empty).toBe(
      "payout_id,organization_id,stripe_account_id,trigger,run_id,amount_nanos,amount_usd_exact,amount_usd_rounded,created_at," +
        "claim_journal_entry_id,claim_posted_at,status_at_period_end,transferred_entry_id,transferred_at,stripe_transfer_id,failed_entry_id,failed_at\n",
    );
  });

  it("adjustments: one row per refund and dispute entry in the period, Σ amount = the ledger's buyer_balance lines of those kinds", async () => {
    // Noise: a top-up is no adjustment.
    await postJournalEntry(database.db, { kind: "top_up", idempotencyKey: "noise:top_up", at: new Date("2026-11-05T00:00:00.000Z"), lines: buyerStripeLines(buyers[0]!, 1_000n) });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(adjustmentArb, { maxLength: 8 }), periodArb, fc.option(fc.nat(1)), async (cases, period, orgIx) => {
        for (const c of cases) await makeAdjustment(c, n++);
        const organizationId = orgIx === null ? null : buyers[orgIx]!;
        const csv = await exportCsv(database.db, "adjustments", { period, organizationId });
        const rows: Csv = parseCsv(csv, { columns: true });

        expect(sumCol(rows, "amount_nanos")).toBe(await ledger("buyer_balance", ADJUSTMENT_ENTRY_KINDS, period, organizationId));
        const entries = await database.db
          .select({ id: journalEntries.id, at: journalEntries.createdAt, kind: journalEntries.kind, stripeId: journalEntries.stripeObjectId, org: ledgerLines.organizationId, amount: ledgerLines.amountNanos })
          .from(journalEntries)
          .innerJoin(ledgerLines, and(eq(ledgerLines.journalEntryId, journalEntries.id), eq(ledgerLines.account, "buyer_balance")))
          .where(and(inArray(journalEntries.kind, [...ADJUSTMENT_ENTRY_KINDS]), gte(journalEntries.createdAt, period.start), lt(journalEntries.createdAt, period.end), organizationId ? eq(ledgerLines.organizationId, organizationId) : undefined));
        entries.sort((x, y) => x.at.getTime() - y.at.getTime() || codePoint(x.id, y.id));
        expect(rows.map((r) => [r.journal_entry_id, r.posted_at, r.kind, r.stripe_object_id, r.organization_id, r.amount_nanos])).toEqual(
          entries.map((e) => [e.id, e.at.toISOString(), e.kind, e.stripeId, e.org, String(e.amount)]),
        );
        const adjustments = new Map((await database.db.select().from(paymentAdjustments)).map((a) => [a.id, a]));
        const topUpEntries = new Map((await database.db.select().from(journalEntries).where(eq(journalEntries.kind, "top_up"))).map((e) => [e.stripeObjectId, e]));
        /** The ledger's top-up of the charge, if credited before the period's end: what the row's link may only later say. */
        const topUpAsOfEnd = (chargeId: string | undefined) => {
          const e = chargeId === undefined ? undefined : topUpEntries.get(chargeId);
          return e && e.createdAt < period.end ? e.idempotencyKey.slice("top_up:".length) : "";
        };
        for (const r of rows) {
          const a = adjustments.get(r.stripe_object_id!);
          expect(r).toEqual({
            journal_entry_id: r.journal_entry_id,
            posted_at: r.posted_at,
            occurred_at: "",
            kind: r.kind,
            idempotency_key: `${r.kind}:${r.stripe_object_id}`,
            stripe_object_id: r.stripe_object_id,
            stripe_charge_id: a?.stripeChargeId ?? "",
            top_up_id: topUpAsOfEnd(a?.stripeChargeId),
            organization_id: r.organization_id,
            amount_nanos: r.amount_nanos,
            amount_usd_exact: exactUsd(BigInt(r.amount_nanos!)),
            amount_usd_rounded: roundedCentsUsd(BigInt(r.amount_nanos!)),
            adjustment_kind: a?.kind ?? "",
            adjustment_created_at: a?.stripeCreatedAt.toISOString() ?? "",
          });
        }
        expect(await exportCsv(database.db, "adjustments", { period, organizationId })).toBe(csv);
      }),
      { numRuns: 8 },
    );
    const empty = await exportCsv(database.db, "adjustments", { period: monthPeriod("2025-01"), organizationId: null });
    expect(empty).toBe(
      "journal_entry_id,posted_at,occurred_at,kind,idempotency_key,stripe_object_id,stripe_charge_id,top_up_id,organization_id," +
        "amount_nanos,amount_usd_exact,amount_usd_rounded,adjustment_kind,adjustment_created_at\n",
    );
  });
});
