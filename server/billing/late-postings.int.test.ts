import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, requests } from "../../db/schema";
import { createTestDatabase, DB_KINDS } from "../../test/database";
import { ledgerSumNanos } from "../../test/ledger";
import { seedOrganization } from "../../test/market-fixtures";
import type { ServiceContext } from "../context";
import { closePeriod } from "../finance/periods/close-period";
import { listPeriods } from "../finance/periods/list-periods";
import { requestOutcome, topUp } from "../finance/periods/test-fixtures";
import { monthPeriod } from "../finance/period";
import { rollForward } from "../finance/roll-forward/roll-forward";
import { postJournalEntry } from "./post-journal-entry";
import { settleBatch } from "./settle-batch";

const T = (iso: string) => new Date(iso);
const NOV_1 = T("2026-11-01T00:00:00.000Z");

/** After October is closed, events that happened in October post at November's start, keeping when they happened. */
for (const kind of DB_KINDS) {
  describe(`late postings into a closed month (${kind})`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let ctx: ServiceContext;
    let buyer: Awaited<ReturnType<typeof seedOrganization>>;
    let provider: Awaited<ReturnType<typeof seedOrganization>>;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      ctx = { db: database.db, now: () => T("2026-11-10T00:00:00Z"), platform_fee_bps: 1500, test_credit_nanos: 0n };
      [buyer, provider] = [await seedOrganization(database.db, "buyer"), await seedOrganization(database.db, "provider")];
      await topUp(database.db, buyer.organizationId, 20_000_000_000n, T("2026-10-05T00:00:00Z"));
      await settleBatch(ctx, [requestOutcome({ buyer, providerOrganizationId: provider.organizationId, completedAt: T("2026-10-06T00:00:00Z") })]);
      await closePeriod(ctx, { month: "2026-10", actor: null });
    });
    afterAll(async () => database?.close());

    it("postJournalEntry with an `at` inside the closed month posts at the open period's start, occurred_at = at", async () => {
      const refundAt = T("2026-10-20T08:30:00.123Z");
      const { posted, journalEntryId } = await database.db.transaction((tx) =>
        postJournalEntry(tx, {
          kind: "refund",
          idempotencyKey: "refund:re_late",
          stripeObjectId: "re_late",
          at: refundAt,
          lines: [
            { account: "buyer_balance", organizationId: buyer.organizationId, amount_nanos: -4_000_000_000n },
            { account: "stripe_clearing", organizationId: null, amount_nanos: 4_000_000_000n },
          ],
        }),
      );
      expect(posted).toBe(true);
      const [entry] = await database.db.select().from(journalEntries).where(eq(journalEntries.id, journalEntryId!));
      expect(entry).toMatchObject({ createdAt: NOV_1, occurredAt: refundAt, stripeObjectId: "re_late" });
      const lines = await database.db.select().from(ledgerLines).where(eq(ledgerLines.journalEntryId, journalEntryId!));
      expect(lines.map((l) => l.createdAt)).toEqual([NOV_1, NOV_1]);

      // An `at` in the open period is posted as it is.
      const onTime = await topUp(database.db, buyer.organizationId, 1_000n, T("2026-11-02T00:00:00Z"));
      const [fresh] = await database.db.select().from(journalEntries).where(eq(journalEntries.id, onTime.journalEntryId!));
      expect(fresh).toMatchObject({ createdAt: T("2026-11-02T00:00:00Z"), occurredAt: null });
    });

    it("settleBatch of a request completed inside the closed month posts into the open one; the request keeps its completion time", async () => {
      const lateAt = T("2026-10-31T23:59:59.999Z");
      const late = requestOutcome({ buyer, providerOrganizationId: provider.organizationId, completedAt: lateAt, billed_ms: 2_500 });
      const onTime = requestOutcome({ buyer, providerOrganizationId: provider.organizationId, completedAt: T("2026-11-03T00:00:00Z") });
      expect((await settleBatch(ctx, [late, onTime])).settled).toBe(2);

      const entries = await database.db.select().from(journalEntries).where(inArray(journalEntries.requestId, [late.requestId, onTime.requestId]));
      const byRequest = new Map(entries.map((e) => [e.requestId, e]));
      expect(byRequest.get(late.requestId)).toMatchObject({ kind: "request_settlement", createdAt: NOV_1, occurredAt: lateAt });
      expect(byRequest.get(onTime.requestId)).toMatchObject({ createdAt: T("2026-11-03T00:00:00Z"), occurredAt: null });
      const lateLines = await database.db.select().from(ledgerLines).where(eq(ledgerLines.journalEntryId, byRequest.get(late.requestId)!.id));
      expect(lateLines).toHaveLength(3);
      for (const l of lateLines) expect(l.createdAt).toEqual(NOV_1);
      const [req] = await database.db.select().from(requests).where(eq(requests.id, late.requestId));
      expect(req!.completedAt).toEqual(lateAt);

      expect(await ledgerSumNanos(database.db)).toBe(0n);
    });

    it("the late corrections show in the open period, and the closed month's figures do not move", async () => {
      expect((await listPeriods(ctx)).late_entries_in_open_period).toBe(2);
      const oct = await rollForward(ctx, monthPeriod("2026-10"));
      expect(oct).toMatchObject({ closed: true, balanced: true, late_entries: 0 });
      const buyerCredit = oct.sections.find((s) => s.key === "buyer_credit")!;
      expect(buyerCredit.closing_nanos).toBe(20_000_000_000n - 1_000_000n);
      const nov = await rollForward(ctx, monthPeriod("2026-11"));
      expect(nov).toMatchObject({ closed: false, balanced: true, late_entries: 2 });
      expect(nov.sections.find((s) => s.key === "buyer_credit")).toMatchObject({ opening_source: "frozen", opening_nanos: buyerCredit.closing_nanos });
    });
  });
}
