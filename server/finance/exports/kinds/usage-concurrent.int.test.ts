import { Writable } from "node:stream";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../../test/database";
import { settleBatch } from "../../../billing/settle-batch";
import { monthPeriod } from "../../period";
import type { ExportFilter } from "../export-definition";
import { bulkSettledRequests, createTestKey, createTestOrganization, outcome, sumColumn, testServices, usageLedgerTotals } from "../export-test-data";
import { inSnapshot } from "../snapshot-cursor";
import { streamCsv } from "../stream-csv";
import { usageExport } from "./usage";

/**
 * PostgreSQL only (PGlite is one connection: nothing posts while an export reads). Settlement keeps posting
 * into the exported month while a slow client reads the export; every row it posts falls inside the period,
 * so an export that did not read one snapshot would disagree with a total read before its cursor or after
 * its last row in the same transaction.
 */
const NOV = monthPeriod("2026-11");
const randomInstant = () => new Date(NOV.start.getTime() + Math.floor(Math.random() * (NOV.end.getTime() - NOV.start.getTime())));

describe("usage export while settlement posts (postgres)", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let base: { organizationId: string; apiKeyId: string; providerOrganizationId: string };

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const buyer = await createTestOrganization(database.db, "buyer");
    const provider = await createTestOrganization(database.db, "provider");
    base = { organizationId: buyer.organizationId, apiKeyId: await createTestKey(database.db, buyer.organizationId, buyer.userId, "k"), providerOrganizationId: provider.organizationId };
  });
  afterAll(async () => database?.close());

  const batch = (n: number) => Array.from({ length: n }, (_, i) => outcome({ ...base, modelId: "llama-3.1-8b", completedAt: randomInstant(), price_nanos_per_second: BigInt(1_000 + i), billed_ms: 200 + i }));

  it("equals the ledger as of its snapshot, read before its cursor and after its last row", async () => {
    const ctx = testServices(database.db);
    // More than one cursor batch (2,000 rows), so the export spans several fetches.
    await bulkSettledRequests(database.db, { ...base, count: 2_500, period: NOV });

    let stop = false;
    let committed = 0;
    const poster = (async () => {
      while (!stop) {
        await settleBatch(ctx, batch(20));
        committed++;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    while (committed < 2) await new Promise((r) => setTimeout(r, 5));

    const filter: ExportFilter = { period: NOV, organizationId: null, apiKeyId: null, modelId: null };
    const chunks: Buffer[] = [];
    // A slow reader: the export takes seconds, settlement commits many batches meanwhile.
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        chunks.push(Buffer.from(chunk));
        if (chunks.length % 8 === 0) setTimeout(done, 2);
        else done();
      },
    });
    let committedDuring = 0;
    const { before, after, written } = await inSnapshot(database.db, async (tx) => {
      const before = await usageLedgerTotals(tx, filter);
      const start = committed;
      const { rows: written } = await streamCsv(slow, usageExport.columns, usageExport.rows(tx, filter));
      committedDuring = committed - start;
      const after = await usageLedgerTotals(tx, filter);
      return { before, after, written };
    });
    stop = true;
    await poster;

    expect(committedDuring).toBeGreaterThan(3);
    const rows = parse<Record<string, string>>(Buffer.concat(chunks), { columns: true });
    expect(after).toEqual(before);
    expect(rows.length).toBe(before.entries);
    expect(written).toBe(before.entries);
    expect(sumColumn(rows, "cost_nanos")).toBe(-before.buyer);
    expect(sumColumn(rows, "platform_fee_nanos")).toBe(before.revenue);
    expect(sumColumn(rows, "provider_credit_nanos")).toBe(before.earnings);
    // The concurrent batches really landed in the period: the ledger now holds more than the snapshot did.
    const now = await usageLedgerTotals(database.db, filter);
    expect(now.entries).toBe(2_500 + committed * 20);
    expect(now.entries).toBeGreaterThan(before.entries);
  });
});
