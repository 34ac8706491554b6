import { sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { apiKeys, journalEntries, ledgerLines, organizations, requests, type LedgerAccount } from "../../../db/schema";
import { splitPlatformFee, requestCostNanos } from "../../../lib/money";

/**
 * Test-only (imported by *.int.test.ts): one fixed data set, every id chosen, so two databases holding it must
 * export the same bytes. Awkward text on purpose: commas, quotes, newlines, formula prefixes, non-ASCII.
 */
const id = (prefix: string, n: number) => `${prefix}_${String(n).padStart(26, "0")}`;
export const FIXED_BUYERS = [id("org", 1), id("org", 2)] as const;
export const FIXED_PROVIDER = id("org", 9);
export const FIXED_KEYS = [id("key", 1), id("key", 2), id("key", 3)] as const;
const KEY_ORG = [0, 0, 1];
const FEE_BPS = 1_000;

export async function insertFixedLedger(db: Db): Promise<void> {
  await db.insert(organizations).values([
    { id: FIXED_BUYERS[0], name: 'Acme, "Inc"', slug: "acme-fixed", createdAt: new Date("2026-01-01T00:00:00Z") },
    { id: FIXED_BUYERS[1], name: "=SUM(A1:A9)\nZürich", slug: "zurich-fixed", createdAt: new Date("2026-01-01T00:00:00Z") },
    { id: FIXED_PROVIDER, name: "GPU farm", slug: "farm-fixed", createdAt: new Date("2026-01-01T00:00:00Z") },
  ]);
  await db.insert(apiKeys).values(
    FIXED_KEYS.map((k, i) => ({ id: k, organizationId: FIXED_BUYERS[KEY_ORG[i]!]!, name: ["prod", "-staging, eu", "@ci"][i]!, keyPrefix: `sk-spot-fix${i}`, keyHash: `fixed-hash-${i}`, createdAt: new Date("2026-01-01T00:00:00Z") })),
  );
  const base = Date.parse("2026-10-20T00:00:00Z");
  const reqs = [];
  for (let i = 0; i < 40; i++) {
    // Ten hours apart from Oct 20, so both October and November hold requests; two share one instant.
    const completedAt = new Date(i === 7 ? base + 6 * 36_000_000 : base + i * 36_000_000 + (i % 3) * 1);
    const keyIx = i % 3;
    const status = i % 11 === 5 ? "failed" : i % 7 === 3 ? "aborted" : "completed";
    const billed_ms = status === "failed" ? 0 : 500 + i * 137;
    const price = BigInt(1_000 + i * 7_919);
    const cost = requestCostNanos(price, billed_ms);
    const { provider_nanos, fee_nanos } = splitPlatformFee(cost, FEE_BPS);
    reqs.push({
      i,
      row: {
        id: id("req", i),
        organizationId: FIXED_BUYERS[KEY_ORG[keyIx]!]!,
        apiKeyId: FIXED_KEYS[keyIx]!,
        offerId: id("off", i % 2),
        machineId: id("mach", i % 2),
        providerOrganizationId: FIXED_PROVIDER,
        modelId: i % 4 === 0 ? "+evil/model" : "llama-3.1-8b",
        hardwareClass: i % 2 ? "rtx-4090" : "a100-80gb",
        endpoint: "/v1/chat/completions",
        stream: i % 2 === 0,
        status,
        errorCode: status === "failed" ? "upstream_error" : null,
        priceNanosPerSecond: price,
        computeMs: billed_ms + 3,
        servedMs: billed_ms,
        billedMs: billed_ms,
        ttftMs: status === "failed" ? null : 40 + i,
        promptTokens: i * 3,
        completionTokens: i * 5,
        costNanos: cost,
        providerEarningsNanos: provider_nanos,
        platformFeeNanos: fee_nanos,
        dispatchedAt: new Date(completedAt.getTime() - billed_ms - 3),
        completedAt,
      },
    });
  }
  await db.insert(requests).values(reqs.map((r) => r.row));
  await db.insert(journalEntries).values([
    ...reqs.map(({ i, row }) => ({ id: id("je", i), kind: "request_settlement", idempotencyKey: `settle:${row.id}`, requestId: row.id, createdAt: row.completedAt })),
    { id: id("je", 100), kind: "top_up", idempotencyKey: "top-up:cs_fixed_1", stripeObjectId: "ch_fixed_1", memo: 'Top-up, "card"\nthank you', createdAt: new Date("2026-10-21T12:00:00Z") },
  ]);
  const lines = reqs.flatMap(({ i, row }) =>
    (
      [
      { account: "buyer_balance" as const, organizationId: row.organizationId, amountNanos: -row.costNanos },
      { account: "provider_earnings" as const, organizationId: FIXED_PROVIDER, amountNanos: row.providerEarningsNanos },
      { account: "platform_revenue" as const, organizationId: null, amountNanos: row.platformFeeNanos },
      ] as { account: LedgerAccount; organizationId: string | null; amountNanos: bigint }[]
    )
      .filter((l) => l.amountNanos !== 0n)
      .map((l, j) => ({ id: id("ll", i * 3 + j), journalEntryId: id("je", i), createdAt: row.completedAt, ...l })),
  );
  lines.push(
    { id: id("ll", 900), journalEntryId: id("je", 100), createdAt: new Date("2026-10-21T12:00:00Z"), account: "buyer_balance", organizationId: FIXED_BUYERS[0], amountNanos: 25_000_000_000n },
    { id: id("ll", 901), journalEntryId: id("je", 100), createdAt: new Date("2026-10-21T12:00:00Z"), account: "stripe_clearing", organizationId: null, amountNanos: -25_000_000_000n },
  );
  await db.insert(ledgerLines).values(lines);
  // Sub-millisecond instants (what PostgreSQL's now() writes) render the same on both databases.
  await db.execute(sql`update journal_entries set created_at = '2026-10-21T12:00:00.123456Z' where id = ${id("je", 100)}`);
  await db.execute(sql`update ledger_lines set created_at = '2026-10-21T12:00:00.123456Z' where journal_entry_id = ${id("je", 100)}`);
}
