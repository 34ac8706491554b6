import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DB_KINDS } from "../../../../test/database";
import { settleBatch } from "../../../billing/settle-batch";
import { exactUsd, roundedCentsUsd } from "../csv-cells";
import type { ExportFilter } from "../export-definition";
import { createTestKey, createTestOrganization, exportToMemory, outcome, sumColumn, testServices, usageLedgerTotals } from "../export-test-data";
import { monthPeriod, type Period } from "../../period";

const MONTHS = [monthPeriod("2026-10"), monthPeriod("2026-11")];
/** One formula-looking model id: the export guards it, the filter still matches it raw. */
const MODELS = ["llama-3.1-8b", "qwen2.5-7b", "=cmd|' /C calc'!A0"] as const;

for (const kind of DB_KINDS) {
  describe(`usage export ties out to the ledger (${kind})`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let buyers: { organizationId: string; keys: string[] }[];
    let providers: string[];

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      buyers = [];
      for (const name of ["Acme, \"Inc\"", "=HYPERLINK(\"x\")", "Zürich GmbH"]) {
        const { organizationId, userId } = await createTestOrganization(database.db, name);
        buyers.push({ organizationId, keys: [await createTestKey(database.db, organizationId, userId, "prod"), await createTestKey(database.db, organizationId, userId, "+staging")] });
      }
      providers = [(await createTestOrganization(database.db, "provider one")).organizationId, (await createTestOrganization(database.db, "provider two")).organizationId];
    });
    afterAll(async () => database?.close());

    it("Σ cost = −Σ buyer lines, Σ fee = revenue lines, Σ provider credit = earnings lines, one row per entry, for random data and filters", async () => {
      const ctx = testServices(database.db);
      const month = fc.nat(1);
      const request = fc.record({
        buyer: fc.nat(buyers.length - 1),
        key: fc.nat(1),
        provider: fc.nat(providers.length - 1),
        model: fc.nat(MODELS.length - 1),
        month,
        // The months' first and last milliseconds are where half-open periods go wrong.
        offset_ms: fc.oneof(fc.constant(0), fc.constant(-1), fc.nat(29 * 86_400_000)),
        price: fc.bigInt({ min: 1n, max: 50_000_000n }),
        billed_ms: fc.nat(120_000),
        status: fc.constantFrom("completed", "completed", "aborted", "failed" as const),
      });
      const filterArb = fc.record({
        period: fc.oneof(month.map((m) => MONTHS[m]!), fc.tuple(fc.nat(60 * 86_400_000), fc.nat(30 * 86_400_000)).map(([from, len]): Period => ({ start: new Date(MONTHS[0]!.start.getTime() + from), end: new Date(MONTHS[0]!.start.getTime() + from + len + 1) }))),
        buyer: fc.option(fc.nat(buyers.length - 1), { nil: null }),
        key: fc.option(fc.nat(1), { nil: null }),
        model: fc.option(fc.nat(MODELS.length - 1), { nil: null }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 25 }), filterArb, async (reqs, f) => {
          const outcomes = reqs.map((r) => {
            const m = MONTHS[r.month]!;
            const completedAt = new Date((r.offset_ms < 0 ? m.end.getTime() : m.start.getTime()) + r.offset_ms);
            const buyer = buyers[r.buyer]!;
            return outcome({ organizationId: buyer.organizationId, apiKeyId: buyer.keys[r.key]!, providerOrganizationId: providers[r.provider]!, modelId: MODELS[r.model]!, completedAt, price_nanos_per_second: r.price, billed_ms: r.billed_ms, status: r.status });
          });
          const half = Math.ceil(outcomes.length / 2);
          await settleBatch(ctx, outcomes.slice(0, half));
          await settleBatch(ctx, outcomes.slice(half));

          const buyer = f.buyer === null ? null : buyers[f.buyer]!;
          // A key filter without an organization may name any buyer's key.
          const keyOwner = buyer ?? buyers[(f.key ?? 0) % buyers.length]!;
          const filter: ExportFilter = { period: f.period, organizationId: buyer?.organizationId ?? null, apiKeyId: f.key === null ? null : keyOwner.keys[f.key]!, modelId: f.model === null ? null : MODELS[f.model]! };
          const { rows, written } = await exportToMemory(database.db, "usage", filter);
          const ledger = await usageLedgerTotals(database.db, filter);
          expect(rows.length).toBe(ledger.entries);
          expect(written).toBe(ledger.entries);
          expect(sumColumn(rows, "cost_nanos")).toBe(-ledger.buyer);
          expect(sumColumn(rows, "platform_fee_nanos")).toBe(ledger.revenue);
          expect(sumColumn(rows, "provider_credit_nanos")).toBe(ledger.earnings);
          for (const row of rows) {
            const cost = BigInt(row.cost_nanos!);
            expect(row.cost_usd_exact).toBe(exactUsd(cost));
            expect(row.cost_usd_rounded).toBe(roundedCentsUsd(cost));
            expect(BigInt(row.platform_fee_nanos!) + BigInt(row.provider_credit_nanos!)).toBe(cost);
            const posted = new Date(row.posted_at!).getTime();
            expect(posted >= filter.period.start.getTime() && posted < filter.period.end.getTime()).toBe(true);
            if (filter.organizationId) expect(row.organization_id).toBe(filter.organizationId);
            if (filter.apiKeyId) expect(row.api_key_id).toBe(filter.apiKeyId);
            // Spreadsheet-guarded in the file: the formula-looking model id reads back with its apostrophe.
            if (filter.modelId) expect(row.model).toBe(filter.modelId.startsWith("=") ? `'${filter.modelId}` : filter.modelId);
            expect(row.market).toBe(`${row.model}@rtx-4090`);
          }
          const order = rows.map((r) => `${r.posted_at}|${r.journal_entry_id}`);
          expect(order).toEqual([...order].sort());
        }),
        { numRuns: 15 },
      );
    });
  });
}
