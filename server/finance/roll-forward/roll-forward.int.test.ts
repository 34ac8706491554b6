import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEDGER_ACCOUNTS, type LedgerAccount } from "../../../db/schema";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { seedOrganization } from "../../../test/market-fixtures";
import type { ServiceContext } from "../../context";
import { monthKey, monthPeriod, nextMonthStart, type Period } from "../period";
import { closePeriod } from "../periods/close-period";
import { listPeriods } from "../periods/list-periods";
import { postAt } from "../periods/test-fixtures";
import { rollForward } from "./roll-forward";
import { compareKinds, kindLabel, SECTION_ACCOUNTS } from "./sections";
import { ROLL_FORWARD_SECTIONS, type RollForward, type RollForwardSectionKey } from "./types";

const SECTION_OF = new Map<string, RollForwardSectionKey>(Object.entries(SECTION_ACCOUNTS).flatMap(([s, accounts]) => accounts.map((a) => [a, s as RollForwardSectionKey])));
const KINDS = ["top_up", "request_settlement", "refund", "payout", "payout_transfer", "stripe_fee", "test_credit_grant", "clawback", "a_kind_nobody_labelled"] as const;
const BASE = new Date("2030-01-01T00:00:00.000Z");
const addMonths = (start: Date, n: number) => new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + n, 1));

/** What the test believes the ledger holds: every posted line at its posting date, and every entry. */
type ModelLine = { at: number; kind: string; entry: number; section: RollForwardSectionKey; amount: bigint };
type Model = { lines: ModelLine[]; entries: { at: number; late: boolean }[]; closed_through: number | null; closed_ends: Set<number> };

function expected(model: Model, p: Period) {
  const [start, end] = [p.start.getTime(), p.end.getTime()];
  return ROLL_FORWARD_SECTIONS.map((key) => {
    const mine = model.lines.filter((l) => l.section === key);
    const opening = mine.filter((l) => l.at < start).reduce((s, l) => s + l.amount, 0n);
    const groups = new Map<string, { amount: bigint; entries: Set<number> }>();
    for (const l of mine.filter((l) => l.at >= start && l.at < end)) {
      const g = groups.get(l.kind) ?? { amount: 0n, entries: new Set<number>() };
      g.amount += l.amount;
      g.entries.add(l.entry);
      groups.set(l.kind, g);
    }
    const movements = [...groups.entries()].map(([kind, g]) => ({ kind, label: kindLabel(kind), amount_nanos: g.amount, entries: g.entries.size })).sort((a, b) => (a.kind < b.kind ? -1 : 1));
    return { key, opening, movements, closing: opening + movements.reduce((s, m) => s + m.amount_nanos, 0n), source: model.closed_ends.has(start) ? "frozen" : "ledger" };
  });
}

/** The figures of a roll-forward, without its labels and provenance: what must not change when a month closes. */
const figures = (rf: RollForward) => rf.sections.map((s) => ({ key: s.key, opening: s.opening_nanos, closing: s.closing_nanos, movements: s.movements }));

const entryArb = fc.record({
  month_offset: fc.integer({ min: -3, max: 2 }),
  at: fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 1_000_000 })),
  kind: fc.constantFrom(...KINDS),
  lines: fc.array(fc.record({ account: fc.constantFrom(...LEDGER_ACCOUNTS), org: fc.integer({ min: -1, max: 2 }), amount: fc.oneof(fc.constant(0n), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n })) }), { minLength: 1, maxLength: 3 }),
});

for (const kind of DB_KINDS) {
  describe(`roll-forward over random ledgers (${kind})`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let ctx: ServiceContext;
    let orgs: string[];
    const model: Model = { lines: [], entries: [], closed_through: null, closed_ends: new Set() };

    const post = async (at: Date, entryKind: string, lines: { account: LedgerAccount; organizationId: string | null; amount_nanos: bigint }[]) => {
      await postAt(database.db, entryKind, at, lines);
      const late = model.closed_through !== null && at.getTime() < model.closed_through;
      const posted_at = late ? model.closed_through! : at.getTime();
      const entry = model.entries.push({ at: posted_at, late }) - 1;
      for (const l of lines) if (l.amount_nanos !== 0n) model.lines.push({ at: posted_at, kind: entryKind, entry, section: SECTION_OF.get(l.account)!, amount: l.amount_nanos });
    };

    const check = async (p: Period) => {
      const rf = await rollForward(ctx, p);
      const want = expected(model, p);
      expect(rf.balanced).toBe(true);
      expect(rf.closed).toBe(model.closed_through !== null && p.end.getTime() <= model.closed_through);
      expect(rf.late_entries).toBe(model.entries.filter((e) => e.late && e.at >= p.start.getTime() && e.at < p.end.getTime()).length);
      expect(rf.sections.map((s) => s.key)).toEqual([...ROLL_FORWARD_SECTIONS]);
      for (const [i, s] of rf.sections.entries()) {
        expect(s.opening_nanos).toBe(want[i]!.opening);
        expect(s.opening_source).toBe(want[i]!.source);
        expect([...s.movements].sort((a, b) => (a.kind < b.kind ? -1 : 1))).toEqual(want[i]!.movements);
        // Listed in the fixed kind order, unknown kinds last.
        expect(s.movements.map((m) => m.kind)).toEqual([...s.movements.map((m) => m.kind)].sort(compareKinds));
        expect(s.closing_nanos).toBe(s.opening_nanos + s.movements.reduce((t, m) => t + m.amount_nanos, 0n));
      }
      expect(rf.sections.reduce((t, s) => t + s.closing_nanos, 0n)).toBe(0n);
      return rf;
    };

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      ctx = { db: database.db, now: () => new Date("2100-01-01T00:00:00Z"), platform_fee_bps: 1500, test_credit_nanos: 0n };
      orgs = [];
      for (const label of ["a", "b", "c"]) orgs.push((await seedOrganization(database.db, label)).organizationId);
      // The earliest entry: the first month closeable is BASE's.
      await post(BASE, "top_up", [
        { account: "buyer_balance", organizationId: orgs[0]!, amount_nanos: 10n ** 12n },
        { account: "stripe_clearing", organizationId: null, amount_nanos: -(10n ** 12n) },
      ]);
    });
    afterAll(async () => database?.close());

    it("opening + movements = closing per section, Σ closings = 0, each month opens where the last closed; a close freezes the same figures", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(entryArb, { minLength: 1, maxLength: 8 }), async (entries) => {
          // Each run takes the next three months; earlier runs' months stay (openings carry them), some closed.
          const months = [0, 1, 2].map((n) => monthPeriod(monthKey(addMonths(BASE, 3 * run + n))));
          run++;
          for (const e of entries) {
            const month = monthPeriod(monthKey(addMonths(months[0]!.start, e.month_offset)));
            const span = month.end.getTime() - month.start.getTime();
            const at = new Date(e.at === 1 ? month.end.getTime() - 1 : month.start.getTime() + Math.floor((e.at / 1_000_001) * span));
            const lines = e.lines.map((l) => ({ account: l.account, organizationId: l.org < 0 ? null : orgs[l.org]!, amount_nanos: l.amount }));
            const rest = lines.reduce((s, l) => s + l.amount_nanos, 0n);
            lines.push({ account: "stripe_clearing", organizationId: null, amount_nanos: -rest });
            await post(at, e.kind, lines);
          }

          const before: RollForward[] = [];
          for (const p of months) before.push(await check(p));
          for (let n = 0; n + 1 < before.length; n++) {
            expect(before[n + 1]!.sections.map((s) => s.opening_nanos)).toEqual(before[n]!.sections.map((s) => s.closing_nanos));
          }

          // Close every month up to and including this run's first.
          for (;;) {
            const next = (await listPeriods(ctx)).next_closeable!;
            if (next.period.start.getTime() > months[0]!.start.getTime()) break;
            const closed = await closePeriod(ctx, { month: next.month, actor: null });
            model.closed_through = closed.period.end.getTime();
            model.closed_ends.add(closed.period.end.getTime());
          }
          expect(model.closed_through).toBe(nextMonthStart(months[0]!.start).getTime());

          const after: RollForward[] = [];
          for (const p of months) after.push(await check(p));
          expect(after[0]!.closed).toBe(true);
          expect(after[1]!.sections.every((s) => s.opening_source === "frozen")).toBe(true);
          expect(after.map(figures)).toEqual(before.map(figures));
        }),
        { numRuns: 15, endOnFailure: true },
      );
    });

    it("a range that does not start at a closed period's end opens from the ledger", async () => {
      const p = { start: new Date(BASE.getTime() + 86_400_000), end: addMonths(BASE, 2) };
      const rf = await check(p);
      expect(rf.sections.every((s) => s.opening_source === "ledger")).toBe(true);
    });
  });
}
