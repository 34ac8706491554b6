import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountingPeriods, auditLog, periodClosingBalances } from "../../../db/schema";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { ledgerSumNanos } from "../../../test/ledger";
import { seedOrganization } from "../../../test/market-fixtures";
import type { ServiceContext } from "../../context";
import { ledgerBalancesBefore } from "./closing-balances";
import { closePeriod } from "./close-period";
import { listPeriods } from "./list-periods";
import { expectServiceError, postAt, topUp } from "./test-fixtures";

const T = (iso: string) => new Date(iso);
const actor = { userId: "usr_finance", email: "finance@spotlane.test" };

/** The frozen balances of the period starting at `start`, keyed like the ledger's. */
async function frozen(db: ServiceContext["db"], start: Date) {
  const rows = await db.select().from(periodClosingBalances).where(eq(periodClosingBalances.periodStart, start));
  return new Map(rows.map((r) => [`${r.account}|${r.organizationId ?? ""}`, r.amountNanos]));
}
async function ledgerAt(db: ServiceContext["db"], end: Date) {
  return new Map((await ledgerBalancesBefore(db, end)).map((b) => [`${b.account}|${b.organization_id ?? ""}`, b.amount_nanos]));
}

for (const kind of DB_KINDS) {
  describe(`closePeriod (${kind})`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let ctx: ServiceContext;
    let now = T("2026-11-15T12:00:00Z");

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      ctx = { db: database.db, now: () => now, platform_fee_bps: 1500, test_credit_nanos: 0n };
    });
    afterAll(async () => database?.close());

    it("closes contiguous months once each, from the earliest entry's month, only once they have ended", async () => {
      // Nothing posted: nothing to close.
      expect((await listPeriods(ctx)).next_closeable).toBeNull();
      await expectServiceError(closePeriod(ctx, { month: "2026-09", actor }), "invalid_input", /nothing has been posted yet/i);
      await expectServiceError(closePeriod(ctx, { month: "2026-13", actor }), "invalid_input");

      const [buyer, provider] = [await seedOrganization(database.db, "buyer"), await seedOrganization(database.db, "provider")];
      await topUp(database.db, buyer.organizationId, 50_000_000_000n, T("2026-09-03T10:00:00Z"));
      await postAt(database.db, "request_settlement", T("2026-09-30T23:59:59.999Z"), [
        { account: "buyer_balance", organizationId: buyer.organizationId, amount_nanos: -1_000_000_007n },
        { account: "provider_earnings", organizationId: provider.organizationId, amount_nanos: 850_000_006n },
        { account: "platform_revenue", organizationId: null, amount_nanos: 150_000_001n },
      ]);
      await topUp(database.db, buyer.organizationId, 7_000_000_000n, T("2026-10-01T00:00:00Z"));
      await postAt(database.db, "request_settlement", T("2026-10-20T00:00:00Z"), [
        { account: "buyer_balance", organizationId: buyer.organizationId, amount_nanos: -2_000_000_000n },
        { account: "provider_earnings", organizationId: provider.organizationId, amount_nanos: 1_700_000_000n },
        { account: "platform_revenue", organizationId: null, amount_nanos: 300_000_000n },
      ]);
      await topUp(database.db, buyer.organizationId, 1_000_000_000n, T("2026-11-02T00:00:00Z"));

      const before = await listPeriods(ctx);
      expect(before.closed).toEqual([]);
      expect(before.next_closeable).toMatchObject({ month: "2026-09", closeable: true, reason: null });

      // Not contiguous: the error names the month that can be closed.
      const skip = await expectServiceError(closePeriod(ctx, { month: "2026-10", actor }), "invalid_input", /2026-09/);
      expect(skip.details).toMatchObject({ closeable_month: "2026-09" });
      await expectServiceError(closePeriod(ctx, { month: "2026-08", actor }), "invalid_input", /2026-09/);

      const sep = await closePeriod(ctx, { month: "2026-09", actor });
      expect(sep).toMatchObject({ month: "2026-09", period: { start: T("2026-09-01T00:00:00Z"), end: T("2026-10-01T00:00:00Z") }, closed_by_email: actor.email, journal_entry_count: 2, ledger_line_count: 5 });
      expect(sep.closed_at).toEqual(now);
      expect(await frozen(database.db, sep.period.start)).toEqual(await ledgerAt(database.db, sep.period.end));
      expect((await frozen(database.db, sep.period.start)).get(`buyer_balance|${buyer.organizationId}`)).toBe(48_999_999_993n);

      const [audit] = await database.db.select().from(auditLog).where(and(eq(auditLog.action, "period.close"), eq(auditLog.subject, "2026-09")));
      expect(audit).toMatchObject({ actorUserId: actor.userId, actorEmail: actor.email });
      expect(audit!.details).toMatchObject({ journal_entry_count: 2, ledger_line_count: 5, closing_totals_nanos: { buyer_balance: "48999999993", platform_revenue: "150000001", provider_earnings: "850000006", stripe_clearing: "-50000000000" } });

      // A second close of the same month, or of the one before the first close.
      await expectServiceError(closePeriod(ctx, { month: "2026-09", actor }), "conflict", /already closed/);

      // Two closes of October at once: exactly one wins, the other is a conflict.
      const both = await Promise.allSettled([closePeriod(ctx, { month: "2026-10", actor }), closePeriod(ctx, { month: "2026-10", actor: null })]);
      expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ code: "conflict" });
      const oct = (both.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<Awaited<ReturnType<typeof closePeriod>>>).value;
      expect(oct).toMatchObject({ month: "2026-10", journal_entry_count: 2, ledger_line_count: 5 });
      // October's frozen closing = September's frozen closing + October's movements = the ledger at November 1.
      expect(await frozen(database.db, oct.period.start)).toEqual(await ledgerAt(database.db, oct.period.end));

      // November has not ended: listed as next, not closeable, and refused.
      const after = await listPeriods(ctx);
      expect(after.closed.map((p) => p.month)).toEqual(["2026-10", "2026-09"]);
      expect(after.next_closeable).toMatchObject({ month: "2026-11", closeable: false });
      expect(after.next_closeable!.reason).toMatch(/has not ended/);
      await expectServiceError(closePeriod(ctx, { month: "2026-11", actor }), "invalid_input", /has not ended/);

      // Once it has ended, an empty-ish month closes too.
      now = T("2026-12-01T00:00:00Z");
      expect((await listPeriods(ctx)).next_closeable).toMatchObject({ month: "2026-11", closeable: true });
      expect(await closePeriod(ctx, { month: "2026-11", actor })).toMatchObject({ journal_entry_count: 1, ledger_line_count: 2 });
      const [{ n }] = (await database.db.select({ n: sql<number>`count(*)::int` }).from(accountingPeriods)) as [{ n: number }];
      expect(n).toBe(3);
      expect(await ledgerSumNanos(database.db)).toBe(0n);
    });

    it("with Stripe configured, closes a month only after a completed reconciliation covering it ran after it ended", async () => {
      now = T("2027-01-02T00:00:00Z");
      const withStripe = { ...ctx, stripe: {} as NonNullable<ServiceContext["stripe"]> };
      await expectServiceError(closePeriod(withStripe, { month: "2026-12", actor }), "invalid_input", /reconcile with stripe first/i);
      expect((await listPeriods(withStripe)).next_closeable).toMatchObject({ month: "2026-12", closeable: false });
      const run = (id: string, status: string, start: string, end: string, finished: string) =>
        database.db.execute(sql`insert into reconciliation_runs (id, trigger, period_start, period_end, status, started_at, finished_at) values (${id}, 'manual', ${start}, ${end}, ${status}, ${finished}, ${finished})`);
      // Not enough: one that failed, one that does not cover the month's end, one that ran before the month ended.
      await run("recon_failed", "failed", "2026-11-25T00:00:00Z", "2027-01-01T12:00:00Z", "2027-01-01T12:00:00Z");
      await run("recon_short", "completed", "2026-11-25T00:00:00Z", "2026-12-31T00:00:00Z", "2027-01-01T12:00:00Z");
      await run("recon_early", "completed", "2026-11-25T00:00:00Z", "2027-01-01T00:00:00Z", "2026-12-31T23:00:00Z");
      await expectServiceError(closePeriod(withStripe, { month: "2026-12", actor }), "invalid_input", /reconcile with stripe first/i);
      await run("recon_ok", "completed", "2026-11-28T00:00:00Z", "2027-01-01T06:00:00Z", "2027-01-01T06:00:01Z");
      expect((await listPeriods(withStripe)).next_closeable).toMatchObject({ month: "2026-12", closeable: true });
      expect(await closePeriod(withStripe, { month: "2026-12", actor })).toMatchObject({ month: "2026-12" });
    });
  });
}
