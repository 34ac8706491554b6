import { and, count, eq, gte, isNotNull, lt, ne, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountingPeriods, journalEntries, ledgerLines, periodClosingBalances, requests } from "../../../db/schema";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { ledgerSumNanos } from "../../../test/ledger";
import { seedOrganization } from "../../../test/market-fixtures";
import { settleBatch } from "../../billing/settle-batch";
import type { ServiceContext } from "../../context";
import { monthPeriod } from "../period";
import { rollForward } from "../roll-forward/roll-forward";
import { ledgerBalancesBefore } from "./closing-balances";
import { closePeriod } from "./close-period";
import { requestOutcome, topUp } from "./test-fixtures";

const OCT = monthPeriod("2026-10");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Settlement keeps posting requests that completed in October's last second while October closes: the close
 * must freeze exactly what it counted, and nothing may be dated into October after it (the period lock).
 */
for (const kind of DB_KINDS) {
  describe(`closing a month while settlement posts into it (${kind})`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let ctx: ServiceContext;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      ctx = { db: database.db, now: () => new Date("2026-11-15T00:00:00Z"), platform_fee_bps: 1500, test_credit_nanos: 0n };
    });
    afterAll(async () => database?.close());

    it("freezes what it counted; later settlements of October's requests post into November", async () => {
      const [buyer, provider] = [await seedOrganization(database.db, "buyer"), await seedOrganization(database.db, "provider")];
      await topUp(database.db, buyer.organizationId, 10n ** 15n, new Date("2026-10-01T00:00:00Z"));

      let stop = false;
      let batches = 0;
      const workers = Array.from({ length: kind === "postgres" ? 6 : 2 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const outcomes = Array.from({ length: 5 }, (_, j) =>
            requestOutcome({ buyer, providerOrganizationId: provider.organizationId, completedAt: new Date(OCT.end.getTime() - 1 - ((w * 7 + i * 5 + j) % 1000)), price_nanos_per_second: BigInt(1_000_003 + j), billed_ms: 1_000 + i }),
          );
          await settleBatch(ctx, outcomes);
          batches++;
          // PGlite answers through microtasks only: without a macrotask turn, timers (and the close) would starve.
          await new Promise((r) => setImmediate(r));
        }
      });
      const waitFor = async (n: number) => {
        for (const deadline = Date.now() + 20_000; batches < n && Date.now() < deadline; ) await sleep(5);
      };

      await waitFor(10);
      const closing = closePeriod(ctx, { month: "2026-10", actor: null });
      const closed = await closing;
      const atClose = batches;
      await waitFor(atClose + 10);
      stop = true;
      await Promise.all(workers);
      expect(batches).toBeGreaterThan(atClose);

      // Nothing dated inside October after the close: the counts frozen then are the counts now.
      const inOct = <T extends typeof journalEntries.createdAt | typeof ledgerLines.createdAt>(c: T) => and(gte(c, OCT.start), lt(c, OCT.end));
      const [entries] = await database.db.select({ n: count() }).from(journalEntries).where(inOct(journalEntries.createdAt));
      const [lines] = await database.db.select({ n: count() }).from(ledgerLines).where(inOct(ledgerLines.createdAt));
      const [row] = await database.db.select().from(accountingPeriods).where(eq(accountingPeriods.periodStart, OCT.start));
      expect({ entries: Number(entries!.n), lines: Number(lines!.n) }).toEqual({ entries: row!.journalEntryCount, lines: row!.ledgerLineCount });
      expect(closed.journal_entry_count).toBe(row!.journalEntryCount);

      // Settlements after the close went to November's start, keeping their October completion.
      const [late] = await database.db.select({ n: count() }).from(journalEntries).where(isNotNull(journalEntries.occurredAt));
      expect(Number(late!.n)).toBeGreaterThan(0);
      const [misdated] = await database.db.select({ n: count() }).from(journalEntries).where(and(isNotNull(journalEntries.occurredAt), ne(journalEntries.createdAt, OCT.end)));
      expect(Number(misdated!.n)).toBe(0);
      // Every request settled exactly once, in one month or the other.
      const [reqs] = await database.db.select({ n: count() }).from(requests);
      const [settled] = await database.db.select({ n: count() }).from(journalEntries).where(eq(journalEntries.kind, "request_settlement"));
      expect(Number(settled!.n)).toBe(Number(reqs!.n));
      expect(Number(reqs!.n)).toBe(batches * 5);

      // Frozen balances = Σ lines before October's end, per account and organization.
      const frozen = await database.db.select().from(periodClosingBalances).where(eq(periodClosingBalances.periodStart, OCT.start));
      const ledger = await ledgerBalancesBefore(database.db, OCT.end);
      const key = (account: string, org: string | null) => `${account}|${org ?? ""}`;
      expect(new Map(frozen.map((f) => [key(f.account, f.organizationId), f.amountNanos]))).toEqual(new Map(ledger.map((b) => [key(b.account, b.organization_id), b.amount_nanos])));
      expect(await ledgerSumNanos(database.db)).toBe(0n);
      expect(await ledgerSumNanos(database.db, sql`${ledgerLines.createdAt} < ${OCT.end}`)).toBe(0n);

      const nov = await rollForward(ctx, monthPeriod("2026-11"));
      expect(nov).toMatchObject({ balanced: true, late_entries: Number(late!.n) });
      expect(nov.sections.every((s) => s.opening_source === "frozen")).toBe(true);
      expect((await rollForward(ctx, OCT)).balanced).toBe(true);
    });
  });
}
