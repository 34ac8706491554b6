import { and, eq, gte, lt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../db/client";
import { accountingPeriods, journalEntries, ledgerLines } from "../../../db/schema";
import type { ExportKind } from "../../../lib/export-catalog";
import { createTestDatabase, DB_KINDS, type DbKind } from "../../../test/database";
import { ledgerSumNanos } from "../../../test/ledger";
import { settleBatch } from "../../billing/settle-batch";
import { monthPeriod, type Period } from "../period";
import type { ExportFilter } from "./export-definition";
import { exportToMemory, outcome, sumColumn, testServices } from "./export-test-data";
import { FIXED_BUYERS, FIXED_KEYS, FIXED_PROVIDER, insertFixedLedger } from "./fixed-ledger";

/**
 * The usage and journal exports over one fixed data set (every id chosen) on both databases: the same data
 * writes the same bytes; the journal lists every line once and sums to zero; a closed month's export never
 * changes. Closing a month here is fine: these databases are this file's own.
 */
const OCT = monthPeriod("2026-10");
const NOV = monthPeriod("2026-11");
const RANGE: Period = { start: new Date("2026-10-25T05:00:00Z"), end: new Date("2026-11-03T00:00:00Z") };

type Case = { kind: ExportKind; filter: Partial<ExportFilter> & { period: Period } };
const CASES: Case[] = [
  { kind: "usage", filter: { period: OCT } },
  { kind: "usage", filter: { period: NOV } },
  { kind: "usage", filter: { period: RANGE } },
  { kind: "usage", filter: { period: NOV, organizationId: FIXED_BUYERS[1] } },
  { kind: "usage", filter: { period: NOV, apiKeyId: FIXED_KEYS[1] } },
  { kind: "usage", filter: { period: OCT, modelId: "+evil/model" } },
  { kind: "journal", filter: { period: OCT } },
  { kind: "journal", filter: { period: NOV } },
  { kind: "journal", filter: { period: RANGE, organizationId: FIXED_BUYERS[0] } },
];

describe("usage and journal exports: bytes and completeness", () => {
  const dbs = {} as Record<DbKind, Database>;

  beforeAll(async () => {
    for (const kind of DB_KINDS) {
      dbs[kind] = await createTestDatabase(kind);
      await insertFixedLedger(dbs[kind].db);
    }
  });
  afterAll(async () => {
    for (const kind of DB_KINDS) await dbs[kind]?.close();
  });

  it("the same data exports the same bytes on PGlite and PostgreSQL, for every filter", async () => {
    for (const c of CASES) {
      const [a, b] = [await exportToMemory(dbs.pglite.db, c.kind, c.filter), await exportToMemory(dbs.postgres.db, c.kind, c.filter)];
      expect(a.rows.length, `${c.kind} ${JSON.stringify(c.filter)}`).toBeGreaterThan(0);
      expect(a.bytes.equals(b.bytes), `${c.kind} ${JSON.stringify(c.filter)}`).toBe(true);
    }
  });

  it("writes text others chose guarded and quoted, and reads back to the ledger's values", async () => {
    const usage = await exportToMemory(dbs.postgres.db, "usage", { period: NOV, organizationId: FIXED_BUYERS[1] });
    expect(usage.bytes.toString("utf8").split("\n")[0]).toBe(
      "request_id,dispatched_at,completed_at,posted_at,organization_id,api_key_id,api_key_name,model,hardware_class,market,provider_organization_id,machine_id,offer_id,endpoint,stream,status,error_code,compute_ms,billed_ms,ttft_ms,prompt_tokens,completion_tokens,price_nanos_per_second,cost_nanos,cost_usd_exact,cost_usd_rounded,platform_fee_nanos,provider_credit_nanos,journal_entry_id,occurred_at",
    );
    // The organization by id only: its name can change after the month closes.
    expect(usage.bytes.toString("utf8")).not.toContain("Zürich");
    for (const row of usage.rows) {
      expect(row.organization_id).toBe(FIXED_BUYERS[1]);
      expect(row.api_key_name).toBe("'@ci");
      expect(row.provider_organization_id).toBe(FIXED_PROVIDER);
      expect(row.occurred_at).toBe("");
    }
    const journal = await exportToMemory(dbs.pglite.db, "journal", { period: OCT, organizationId: FIXED_BUYERS[0] });
    const topUp = journal.rows.find((r) => r.kind === "top_up")!;
    expect(topUp).toMatchObject({ posted_at: "2026-10-21T12:00:00.123Z", memo: 'Top-up, "card"\nthank you', stripe_object_id: "ch_fixed_1", amount_nanos: "25000000000", amount_usd_exact: "25.000000000" });
  });

  it("journal: every line of the period once, entries without lines once, Σ = 0; an organization's lines only, Σ = its ledger", async () => {
    for (const kind of DB_KINDS) {
      const { db } = dbs[kind];
      for (const period of [OCT, NOV, RANGE]) {
        const { rows } = await exportToMemory(db, "journal", { period });
        const inPeriod = and(gte(ledgerLines.createdAt, period.start), lt(ledgerLines.createdAt, period.end));
        const lineIds = (await db.select({ id: ledgerLines.id }).from(ledgerLines).where(inPeriod)).map((l) => l.id).sort();
        const exported = rows.filter((r) => r.line_id).map((r) => r.line_id!);
        expect(exported.slice().sort()).toEqual(lineIds);
        expect(new Set(exported).size).toBe(exported.length);
        const entryIds = (await db.select({ id: journalEntries.id }).from(journalEntries).where(and(gte(journalEntries.createdAt, period.start), lt(journalEntries.createdAt, period.end)))).map((e) => e.id);
        expect(new Set(rows.map((r) => r.journal_entry_id))).toEqual(new Set(entryIds));
        // A failed request costs nothing: its entry has no lines and appears once, with empty line cells.
        const lineless = rows.filter((r) => !r.line_id);
        expect(lineless.length).toBeGreaterThan(0);
        expect(new Set(lineless.map((r) => r.journal_entry_id)).size).toBe(lineless.length);
        expect(sumColumn(rows, "amount_nanos")).toBe(0n);
        expect(sumColumn(rows, "amount_nanos")).toBe(await ledgerSumNanos(db, inPeriod));

        for (const org of [...FIXED_BUYERS, FIXED_PROVIDER]) {
          const mine = await exportToMemory(db, "journal", { period, organizationId: org });
          expect(mine.rows.every((r) => r.organization_id === org)).toBe(true);
          expect(sumColumn(mine.rows, "amount_nanos")).toBe(await ledgerSumNanos(db, and(inPeriod, eq(ledgerLines.organizationId, org))));
        }
      }
    }
  });

  it("a closed month exports the same bytes every time, also after a late settlement posts into its successor", async () => {
    const closed: Record<string, Buffer[]> = {};
    for (const kind of DB_KINDS) {
      const { db } = dbs[kind];
      const before = [await exportToMemory(db, "usage", { period: OCT }), await exportToMemory(db, "journal", { period: OCT })];
      const [{ n: entries }] = (await db.select({ n: sql<number>`count(*)::int` }).from(journalEntries).where(lt(journalEntries.createdAt, NOV.start))) as [{ n: number }];
      await db.insert(accountingPeriods).values({ periodStart: OCT.start, periodEnd: OCT.end, journalEntryCount: entries, ledgerLineCount: 0 });

      // Completed in October, settled now: the ledger dates it November 1st and keeps when it happened.
      const late = outcome({ organizationId: FIXED_BUYERS[0], apiKeyId: FIXED_KEYS[0], providerOrganizationId: FIXED_PROVIDER, modelId: "llama-3.1-8b", completedAt: new Date("2026-10-30T08:00:00Z"), price_nanos_per_second: 3_000_000n, billed_ms: 1_500 });
      expect((await settleBatch(testServices(db, 1_000), [late])).settled).toBe(1);

      const after = [await exportToMemory(db, "usage", { period: OCT }), await exportToMemory(db, "journal", { period: OCT })];
      const again = [await exportToMemory(db, "usage", { period: OCT }), await exportToMemory(db, "journal", { period: OCT })];
      for (let i = 0; i < 2; i++) {
        expect(after[i]!.bytes.equals(before[i]!.bytes)).toBe(true);
        expect(again[i]!.bytes.equals(before[i]!.bytes)).toBe(true);
      }
      closed[kind] = before.map((b) => b.bytes);

      const nov = await exportToMemory(db, "usage", { period: NOV });
      const lateRow = nov.rows.find((r) => r.request_id === late.requestId)!;
      expect(lateRow).toMatchObject({ posted_at: "2026-11-01T00:00:00.000Z", occurred_at: "2026-10-30T08:00:00.000Z", completed_at: "2026-10-30T08:00:00.000Z", cost_nanos: "4500000" });
      // Ordered by posting date: the late correction comes first in November.
      expect(nov.rows[0]!.request_id).toBe(late.requestId);
    }
    expect(closed.pglite![0]!.equals(closed.postgres![0]!)).toBe(true);
    expect(closed.pglite![1]!.equals(closed.postgres![1]!)).toBe(true);
  });
});
