import { Writable } from "node:stream";
// An independent RFC 4180 reader reads back what csv-stringify wrote.
import { parse as parseCsv } from "csv-parse/sync";
import { and, eq, gte, lt, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, organizations, type LedgerAccount } from "../../../../db/schema";
import { newId } from "../../../../lib/ids";
import { createTestDatabase, DB_KINDS } from "../../../../test/database";
import { ledgerSumNanos } from "../../../../test/ledger";
import { seedOrganization } from "../../../../test/market-fixtures";
import { buyerStripeLines, postJournalEntry, type JournalLine } from "../../../billing/post-journal-entry";
import type { RequestOutcome } from "../../../billing/request-outcome";
import { settleBatch } from "../../../billing/settle-batch";
import type { ServiceContext } from "../../../context";
import { ServiceError } from "../../../errors";
import { monthPeriod, rangePeriod } from "../../period";
import { exactUsd } from "../csv-cells";
import type { ExportFilter } from "../export-definition";
import { runExport } from "../run-export";
import { BUYER_STATEMENT_KINDS } from "./buyer-statements";

type Db = Awaited<ReturnType<typeof createTestDatabase>>["db"];
type Csv = Record<string, string>[];

async function exportCsv(db: Db, kind: "buyer-statements" | "provider-statements", filter: Pick<ExportFilter, "period" | "organizationId">): Promise<string> {
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

const MONTHS = ["2026-09", "2026-10", "2026-11", "2026-12"] as const;
const OCT = monthPeriod("2026-10");
const DEC = monthPeriod("2026-12");
/** The generator's instants: October to December, one in four on a month's first or last millisecond. */
const atArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom("2026-10-31T23:59:59.999Z", "2026-11-01T00:00:00.000Z", "2026-11-30T23:59:59.999Z", "2026-12-01T00:00:00.000Z").map((s) => new Date(s)) },
  { weight: 3, arbitrary: fc.integer({ min: OCT.start.getTime(), max: DEC.end.getTime() - 1 }).map((ms) => new Date(ms)) },
);
/** A kind no statement lists has to land in `other`. */
const BUYER_KINDS = [...BUYER_STATEMENT_KINDS, "made_up_kind"] as const;
const PROVIDER_MOVES: { kind: string; account: LedgerAccount }[] = [
  ...["request_settlement", "clawback", "clawback_release", "payout", "payout_failure", "payout_reversal", "made_up_kind"].map((kind) => ({ kind, account: "provider_earnings" as const })),
  ...["payout", "payout_transfer", "payout_failure", "made_up_kind"].map((kind) => ({ kind, account: "provider_in_transit" as const })),
];
type Move = { kind: string; account: LedgerAccount; org: number; amount_nanos: bigint; at: Date };
const moveArb = (orgs: number): fc.Arbitrary<Move> =>
  fc.oneof(
    fc.record({ kind: fc.constantFrom(...BUYER_KINDS), account: fc.constant<LedgerAccount>("buyer_balance"), org: fc.nat(orgs - 1), amount_nanos: fc.bigInt(-(10n ** 13n), 10n ** 13n), at: atArb }),
    fc.record({ move: fc.constantFrom(...PROVIDER_MOVES), org: fc.nat(orgs - 1), amount_nanos: fc.bigInt(-(10n ** 13n), 10n ** 13n), at: atArb }).map(({ move, ...m }) => ({ ...m, ...move })),
  );

const sumCol = (rows: Csv, column: string) => rows.reduce((s, r) => s + BigInt(r[column]!), 0n);

describe.each(DB_KINDS)("statement exports on %s", (dbKind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let orgIds: string[];
  let seq = 0;

  beforeAll(async () => {
    database = await createTestDatabase(dbKind);
    // Names others chose (a formula, one that needs quoting): the statements carry ids only, as a name can change after the close.
    const a = await seedOrganization(database.db, "alpha");
    const b = await seedOrganization(database.db, "beta");
    const c = await seedOrganization(database.db, "gamma");
    await database.db.update(organizations).set({ name: "=HYPERLINK(1)" }).where(eq(organizations.id, a.organizationId));
    await database.db.update(organizations).set({ name: 'Acme, "Inc"' }).where(eq(organizations.id, b.organizationId));
    orgIds = [a.organizationId, b.organizationId, c.organizationId];
    // Real settlements: buyer a pays provider c for two requests in November.
    const ctx: ServiceContext = { db: database.db, now: () => new Date(), platform_fee_bps: 1500, test_credit_nanos: 0n };
    const outcome = (completedAt: Date, billed_ms: number): RequestOutcome => ({
      requestId: newId("request"), organizationId: a.organizationId, apiKeyId: a.apiKeyId, offerId: newId("offer"), machineId: newId("machine"),
      providerOrganizationId: c.organizationId, modelId: "llama-3.1-8b", hardwareClass: "cpu", endpoint: "chat.completions", stream: false,
      status: "completed", errorCode: null, price_nanos_per_second: 3_333_333n, bid_nanos_per_second: null, compute_ms: billed_ms, served_ms: null,
      quote_ms: null, billed_ms, ttft_ms: 5, prompt_tokens: 3, completion_tokens: 4, dispatchedAt: new Date(completedAt.getTime() - billed_ms), completedAt, hold: "reservation",
    });
    await postJournalEntry(database.db, { kind: "top_up", idempotencyKey: "top_up:b", at: new Date("2026-11-02T00:00:00.000Z"), lines: buyerStripeLines(b.organizationId, 25_000_000_000n) });
    await settleBatch(ctx, [outcome(new Date("2026-11-03T10:00:00.000Z"), 1_234), outcome(new Date("2026-11-30T23:59:59.999Z"), 777)]);
  });
  afterAll(async () => database?.close());

  const post = (m: Move) => {
    const counter: JournalLine = { account: "stripe_clearing", organizationId: null, amount_nanos: -m.amount_nanos };
    return postJournalEntry(database.db, { kind: m.kind, idempotencyKey: `test:${seq++}`, at: m.at, lines: [{ account: m.account, organizationId: orgIds[m.org]!, amount_nanos: m.amount_nanos }, counter] });
  };

  /** Σ lines of `account` before `before` (and from `from`), optionally of one kind and organization. */
  const ledger = async (account: LedgerAccount, o: { before: Date; from?: Date; kind?: string; notKinds?: readonly string[]; organizationId?: string | null }) => {
    const [row] = await database.db
      .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(
        and(
          eq(ledgerLines.account, account),
          lt(ledgerLines.createdAt, o.before),
          o.from ? gte(ledgerLines.createdAt, o.from) : undefined,
          o.kind ? eq(journalEntries.kind, o.kind) : undefined,
          o.notKinds ? sql`${journalEntries.kind} not in (${sql.join(o.notKinds.map((k) => sql`${k}`), sql`, `)})` : undefined,
          o.organizationId ? eq(ledgerLines.organizationId, o.organizationId) : undefined,
        ),
      );
    return BigInt(row!.total);
  };
  /** Organizations with a line on one of `accounts` before `before`, in code-point order. */
  const orgsWithLines = async (accounts: LedgerAccount[], before: Date, organizationId: string | null) => {
    const rows = await database.db
      .selectDistinct({ id: ledgerLines.organizationId })
      .from(ledgerLines)
      .where(and(sql`${ledgerLines.account} in (${sql.join(accounts.map((a) => sql`${a}`), sql`, `)})`, lt(ledgerLines.createdAt, before), organizationId ? eq(ledgerLines.organizationId, organizationId) : undefined));
    return rows.map((r) => r.id!).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  };

  /** One account's block of a statement: each row adds up, each column and the totals equal the ledger. */
  const checkAccount = async (rows: Csv, account: LedgerAccount, prefix: string, kinds: readonly string[], month: string, organizationId: string | null) => {
    const { start, end } = monthPeriod(month);
    for (const r of rows) {
      const moves = [...kinds, "other"].reduce((s, k) => s + BigInt(r[`${prefix}${k}_nanos`]!), 0n);
      expect(BigInt(r[`${prefix}opening_nanos`]!) + moves).toBe(BigInt(r[`${prefix}closing_nanos`]!));
      for (const k of ["opening", ...kinds, "other", "closing"]) expect(r[`${prefix}${k}_usd_exact`]).toBe(exactUsd(BigInt(r[`${prefix}${k}_nanos`]!)));
    }
    expect(sumCol(rows, `${prefix}opening_nanos`)).toBe(await ledger(account, { before: start, organizationId }));
    expect(sumCol(rows, `${prefix}closing_nanos`)).toBe(await ledger(account, { before: end, organizationId }));
    for (const k of kinds) expect(sumCol(rows, `${prefix}${k}_nanos`), k).toBe(await ledger(account, { from: start, before: end, kind: k, organizationId }));
    expect(sumCol(rows, `${prefix}other_nanos`)).toBe(await ledger(account, { from: start, before: end, notKinds: kinds, organizationId }));
  };

  const PROVIDER_EARNINGS_KINDS = ["request_settlement", "clawback", "clawback_release", "payout", "payout_failure", "payout_reversal"];
  const PROVIDER_IN_TRANSIT_KINDS = ["payout", "payout_transfer", "payout_failure"];

  it("tie to the ledger for random entries, every month and organization filter, byte-identical on repeat", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(moveArb(3), { maxLength: 15 }), fc.constantFrom(...MONTHS), fc.option(fc.nat(2)), async (moves, month, orgIx) => {
        for (const m of moves) await post(m);
        const organizationId = orgIx === null ? null : orgIds[orgIx]!;
        const filter = { period: monthPeriod(month), organizationId };

        const buyerCsv = await exportCsv(database.db, "buyer-statements", filter);
        const buyer: Csv = parseCsv(buyerCsv, { columns: true });
        expect(buyer.map((r) => r.organization_id)).toEqual(await orgsWithLines(["buyer_balance"], filter.period.end, organizationId));
        expect(new Set(buyer.map((r) => r.month))).toEqual(new Set(buyer.length ? [month] : []));
        await checkAccount(buyer, "buyer_balance", "", BUYER_STATEMENT_KINDS, month, organizationId);

        const providerCsv = await exportCsv(database.db, "provider-statements", filter);
        const provider: Csv = parseCsv(providerCsv, { columns: true });
        expect(provider.map((r) => r.organization_id)).toEqual(await orgsWithLines(["provider_earnings", "provider_in_transit"], filter.period.end, organizationId));
        await checkAccount(provider, "provider_earnings", "provider_earnings_", PROVIDER_EARNINGS_KINDS, month, organizationId);
        await checkAccount(provider, "provider_in_transit", "provider_in_transit_", PROVIDER_IN_TRANSIT_KINDS, month, organizationId);

        // Nothing posted in between: the same bytes.
        expect(await exportCsv(database.db, "buyer-statements", filter)).toBe(buyerCsv);
        expect(await exportCsv(database.db, "provider-statements", filter)).toBe(providerCsv);
      }),
      { numRuns: 8 },
    );
  });

  it("include the real settlements, carry no names, and give a month before any line as a header only", async () => {
    const nov = { period: monthPeriod("2026-11"), organizationId: orgIds[0]! };
    const novCsv = await exportCsv(database.db, "buyer-statements", nov);
    expect(novCsv).not.toContain("HYPERLINK");
    const [row]: Csv = parseCsv(novCsv, { columns: true });
    expect(row!.organization_id).toBe(orgIds[0]);
    expect(BigInt(row!.request_settlement_nanos!)).toBe(await ledger("buyer_balance", { from: nov.period.start, before: nov.period.end, kind: "request_settlement", organizationId: orgIds[0]! }));
    expect(BigInt(row!.request_settlement_nanos!) < 0n).toBe(true);
    const quotedCsv = await exportCsv(database.db, "buyer-statements", { ...nov, organizationId: orgIds[1]! });
    expect(quotedCsv).not.toContain("Acme");
    const quoted: Csv = parseCsv(quotedCsv, { columns: true });
    expect(quoted.map((r) => [r.organization_id, r.top_up_nanos !== "0"])).toEqual([[orgIds[1], true]]);

    const empty = await exportCsv(database.db, "buyer-statements", { period: monthPeriod("2025-01"), organizationId: null });
    expect(empty.split("\n")[0]).toMatch(/^organization_id,month,opening_nanos,opening_usd_exact,opening_usd_rounded,top_up_nanos,/);
    expect(empty.trimEnd().split("\n")).toHaveLength(1);
    const emptyProvider = await exportCsv(database.db, "provider-statements", { period: monthPeriod("2025-01"), organizationId: null });
    expect(emptyProvider.trimEnd().split("\n")).toHaveLength(1);
    // The Σ-closing tie holds against the whole ledger too (what an auditor adds up first).
    const all: Csv = parseCsv(await exportCsv(database.db, "buyer-statements", { period: monthPeriod("2026-12"), organizationId: null }), { columns: true });
    expect(sumCol(all, "closing_nanos")).toBe(await ledgerSumNanos(database.db, sql`${ledgerLines.account} = 'buyer_balance'`));
  });

  it("refuse a period that is not one calendar month", async () => {
    const range = { period: rangePeriod(new Date("2026-11-01T00:00:00.000Z"), new Date("2026-11-15T00:00:00.000Z")), organizationId: null };
    await expect(exportCsv(database.db, "buyer-statements", range)).rejects.toBeInstanceOf(ServiceError);
  });
});
