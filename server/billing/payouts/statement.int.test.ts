import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
// An independent RFC 4180 reader reads back what csv-stringify wrote.
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, machines, payouts, type PayoutStatus } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { NANOS_PER_CENT, usdToNanos } from "../../../lib/money";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { seedOrganization } from "../../../test/market-fixtures";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { postJournalEntry, type JournalLine } from "../post-journal-entry";
import { priceOutcome, type RequestOutcome } from "../request-outcome";
import { settleBatch } from "../settle-batch";
import { listPayouts } from "./list-payouts";
import { providerStatement, providerStatementCsv, STATEMENT_LINE_KINDS, type ProviderStatement } from "./statement";
import { STATEMENT_CSV_COLUMNS } from "./statement-csv";


/** mulberry32: a seeded PRNG, so a failure replays exactly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

const T = (iso: string) => new Date(iso);
const NOV = { start: T("2026-11-01T00:00:00.000Z"), end: T("2026-12-01T00:00:00.000Z") };
const MONTHS = ["2026-10", "2026-11", "2026-12"] as const;
/** Instants the generator favours: the months' first and last milliseconds. */
const EDGES = ["2026-10-31T23:59:59.999Z", "2026-11-01T00:00:00.000Z", "2026-11-30T23:59:59.999Z", "2026-12-01T00:00:00.000Z"].map(T);
const MODELS = ["llama-3.1-8b", "qwen2.5-7b"] as const;

type Org = { organizationId: string; apiKeyId: string; agentTokenId: string };
type Seeded = {
  provider: Org;
  foreign: Org;
  machineIds: string[];
  machineNames: Map<string, string>;
  /** Expected earnings per "day|model|machine" for the provider, and settled request counts. */
  earnings: Map<string, { nanos: bigint; requests: number }>;
  payoutIds: string[];
  foreignPayoutIds: string[];
  /** Expected `transferred_nanos` per month. */
  transferred: Map<string, bigint>;
};

describe.each(DB_KINDS)("provider statements on %s", (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;
  let buyer: Org;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1500, test_credit_nanos: 0n };
    buyer = await seedOrganization(database.db, "buyer");
  });
  afterAll(async () => database?.close());

  const addMachine = async (org: Org, name: string) => {
    const id = newId("machine");
    await database.db.insert(machines).values({
      id,
      organizationId: org.organizationId,
      agentTokenId: org.agentTokenId,
      name,
      hardwareClass: "cpu",
      hardware: { gpus: [] } as never,
      agentVersion: "test",
      endpointUrl: "http://127.0.0.1:9",
      secret: "test",
      status: "online",
      lastHeartbeatAt: new Date(),
    });
    return id;
  };

  const outcome = (provider: Org, machineId: string, modelId: string, completedAt: Date, price: bigint, billed_ms: number): RequestOutcome => ({
    requestId: newId("request"),
    organizationId: buyer.organizationId,
    apiKeyId: buyer.apiKeyId,
    offerId: newId("offer"),
    machineId,
    providerOrganizationId: provider.organizationId,
    modelId,
    hardwareClass: "cpu",
    endpoint: "chat.completions",
    stream: false,
    status: "completed",
    errorCode: null,
    price_nanos_per_second: price,
    bid_nanos_per_second: null,
    compute_ms: billed_ms,
    served_ms: null,
    quote_ms: null,
    billed_ms,
    ttft_ms: 5,
    prompt_tokens: 3,
    completion_tokens: 4,
    dispatchedAt: new Date(completedAt.getTime() - billed_ms),
    completedAt,
    hold: "reservation",
  });

  const insertPayout = async (org: Org, at: Date, amount_nanos: bigint, status: PayoutStatus, extra: Partial<typeof payouts.$inferInsert> = {}) => {
    const id = newId("payout");
    await database.db.insert(payouts).values({ id, organizationId: org.organizationId, stripeAccountId: `acct_${org.organizationId}`, trigger: "scheduled", amountNanos: amount_nanos, status, createdAt: at, ...extra });
    return id;
  };
  const post = (kind: string, idempotencyKey: string, at: Date, lines: JournalLine[], memo?: string) => postJournalEntry(database.db, { kind, idempotencyKey, at, lines, memo });
  const earn = (organizationId: string, amount_nanos: bigint): JournalLine => ({ account: "provider_earnings", organizationId, amount_nanos });
  const transit = (organizationId: string, amount_nanos: bigint): JournalLine => ({ account: "provider_in_transit", organizationId, amount_nanos });
  const clearing = (amount_nanos: bigint): JournalLine => ({ account: "stripe_clearing", organizationId: null, amount_nanos });

  /** A time in [2026-10-20, 2026-12-10), one in four exactly on a month edge. */
  const timeOf = (r: ReturnType<typeof prng>) => (r.next() < 0.25 ? r.pick(EDGES) : new Date(Date.UTC(2026, 9, 20) + r.int(0, 50 * 86_400_000 - 1)));
  const monthOf = (at: Date) => at.toISOString().slice(0, 7);

  /**
   * Generated activity for one provider (two machines × two models, days across three months, edges exact)
   * plus a foreign provider sharing clawback entries with it; payouts claimed, transferred, failed and
   * reversed with the README's keys and kinds.
   */
  async function seed(seedValue: number): Promise<Seeded> {
    const r = prng(seedValue);
    const provider = await seedOrganization(database.db, "prov");
    const foreign = await seedOrganization(database.db, "foreign");
    const machineNames = new Map<string, string>();
    const machineIds = [];
    for (const name of ["rig-east", "=rig,west"]) {
      const id = await addMachine(provider, name);
      machineIds.push(id);
      machineNames.set(id, name);
    }
    const foreignMachine = await addMachine(foreign, "foreign-box");

    const earnings = new Map<string, { nanos: bigint; requests: number }>();
    const outcomes: RequestOutcome[] = [];
    for (let i = 0; i < 160; i++) {
      const foreignOne = r.next() < 0.3;
      const machineId = foreignOne ? foreignMachine : r.pick(machineIds);
      const modelId = r.pick(MODELS);
      const o = outcome(foreignOne ? foreign : provider, machineId, modelId, timeOf(r), BigInt(r.int(1_000, 90_000_000)), r.int(1, 40_000));
      outcomes.push(o);
      if (!foreignOne) {
        const key = `${o.completedAt.toISOString().slice(0, 10)}|${modelId}|${machineId}`;
        const e = earnings.get(key) ?? { nanos: 0n, requests: 0 };
        e.nanos += priceOutcome(o, ctx.platform_fee_bps).provider_nanos;
        e.requests += 1;
        earnings.set(key, e);
      }
    }
    await settleBatch(ctx, outcomes);
    // A settlement delivered twice posts once (the request is the key).
    await settleBatch(ctx, outcomes.slice(0, 10));

    const transferred = new Map<string, bigint>(MONTHS.map((m) => [m, 0n]));
    const addTransferred = (at: Date, n: bigint) => transferred.set(monthOf(at), (transferred.get(monthOf(at)) ?? 0n) + n);
    const payoutIds: string[] = [];
    const foreignPayoutIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const foreignOne = i === 5;
      const org = foreignOne ? foreign : provider;
      const claimedAt = timeOf(r);
      const amount = BigInt(r.int(1_000, 40_000)) * NANOS_PER_CENT;
      // One claim may be pending per organization (the partial unique index): the provider's last one.
      const fate = i === 4 ? "pending" : r.pick(["transferred", "failed", "reversed"] as const);
      const transferAt = r.next() < 0.5 ? r.pick(EDGES) : new Date(claimedAt.getTime() + r.int(0, 3 * 86_400_000));
      const transferId = fate === "transferred" || fate === "reversed" ? `tr_${newId("payout").slice(4)}` : null;
      const id = await insertPayout(org, claimedAt, amount, fate === "reversed" ? "transferred" : fate === "pending" ? "pending" : fate, {
        stripeTransferId: transferId,
        failureReason: fate === "failed" ? "Your Stripe account cannot receive transfers yet." : null,
      });
      (foreignOne ? foreignPayoutIds : payoutIds).push(id);
      await post("payout", `payout:${id}`, claimedAt, [earn(org.organizationId, -amount), transit(org.organizationId, amount)]);
      if (fate === "failed") await post("payout_failure", `payout:${id}:failed`, transferAt, [transit(org.organizationId, -amount), earn(org.organizationId, amount)]);
      if (fate === "transferred" || fate === "reversed") {
        await post("payout_transfer", `payout:${id}:transferred`, transferAt, [transit(org.organizationId, -amount), clearing(amount)]);
        if (!foreignOne) addTransferred(transferAt, amount);
      }
      if (fate === "reversed") {
        const reversed = amount / 3n;
        const reversedAt = r.next() < 0.5 ? T("2026-12-01T00:00:00.000Z") : new Date(transferAt.getTime() + 3_600_000);
        await post("payout_reversal", `transfer_reversal:trr_${id.slice(4)}`, reversedAt, [clearing(-reversed), earn(org.organizationId, reversed)]);
        if (!foreignOne) addTransferred(reversedAt, -reversed);
        await database.db.update(payouts).set({ amountReversedNanos: reversed }).where(eq(payouts.id, id));
      }
    }
    // Clawbacks take from both providers in one entry (pro rata per provider); one is released.
    for (let i = 0; i < 3; i++) {
      const at = timeOf(r);
      const mine = BigInt(r.int(1, 5_000_000_000));
      const theirs = BigInt(r.int(1, 5_000_000_000));
      const source = i === 2 ? `dispute:dp_${seedValue}${i}:withdrawn` : `refund:re_${seedValue}${i}`;
      const lines = [earn(provider.organizationId, -mine), earn(foreign.organizationId, -theirs), { account: "buyer_balance" as const, organizationId: buyer.organizationId, amount_nanos: mine + theirs }];
      await post("clawback", `clawback:${source}`, at, lines);
      if (i === 2) {
        await post(
          "clawback_release",
          `clawback:${source}:released`,
          T("2026-12-01T00:00:00.000Z"),
          lines.map((l) => ({ ...l, amount_nanos: -l.amount_nanos })),
        );
      }
    }
    // A kind the statement does not name still shows (as `other`), so the lines keep summing to the ledger.
    await post("operator_correction", `test_correction:${seedValue}`, T("2026-11-15T12:00:00.000Z"), [earn(provider.organizationId, 123n), { account: "platform_revenue", organizationId: null, amount_nanos: -123n }], "manual fix");
    return { provider, foreign, machineIds, machineNames, earnings, payoutIds, foreignPayoutIds, transferred };
  }

  /** The ledger's own answer, by a plain sum: Σ of the organization's provider_earnings lines in [from, to). */
  const ledgerSum = async (organizationId: string, from: Date | null, to: Date) => {
    const [row] = await database.db
      .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .where(and(eq(ledgerLines.account, "provider_earnings"), eq(ledgerLines.organizationId, organizationId), from ? gte(ledgerLines.createdAt, from) : undefined, lt(ledgerLines.createdAt, to)));
    return BigInt(row!.total);
  };
  const ledgerByKind = async (organizationId: string, from: Date, to: Date) => {
    const rows = await database.db
      .select({ kind: journalEntries.kind, total: sql<string>`sum(${ledgerLines.amountNanos})::text` })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(and(eq(ledgerLines.account, "provider_earnings"), eq(ledgerLines.organizationId, organizationId), gte(ledgerLines.createdAt, from), lt(ledgerLines.createdAt, to)))
      .groupBy(journalEntries.kind);
    return new Map(rows.map((r) => [r.kind, BigInt(r.total)]));
  };

  const checkAgainstLedger = async (s: Seeded, statement: ProviderStatement) => {
    const org = s.provider.organizationId;
    expect(statement.opening_balance_nanos).toBe(await ledgerSum(org, null, statement.start));
    expect(statement.closing_balance_nanos).toBe(await ledgerSum(org, null, statement.end));
    expect(statement.lines.reduce((t, l) => t + l.amount_nanos, statement.opening_balance_nanos)).toBe(statement.closing_balance_nanos);
    const byKind = await ledgerByKind(org, statement.start, statement.end);
    const entryKindOf = { earnings: "request_settlement", clawback: "clawback", clawback_release: "clawback_release", payout: "payout", payout_failure: "payout_failure", payout_reversal: "payout_reversal" } as const;
    for (const [k, entryKind] of Object.entries(entryKindOf)) expect(statement.totals[k as keyof typeof entryKindOf]).toBe(byKind.get(entryKind) ?? 0n);
    expect(statement.totals.other).toBe(byKind.get("operator_correction") ?? 0n);
    expect(Object.keys(statement.totals).sort()).toEqual([...STATEMENT_LINE_KINDS].sort());
    expect(statement.transferred_nanos).toBe(s.transferred.get(statement.month));

    // Earnings lines are exactly the generated settlements of the month, per (day, model, machine).
    const month = statement.month;
    const expected = [...s.earnings.entries()].filter(([key]) => key.slice(0, 7) === month);
    const earningsLines = statement.lines.filter((l) => l.kind === "earnings");
    expect(earningsLines.map((l) => `${l.day.toISOString().slice(0, 10)}|${l.model_id}|${l.machine_id}`).sort()).toEqual(expected.map(([k]) => k).sort());
    for (const l of earningsLines) {
      const e = s.earnings.get(`${l.day.toISOString().slice(0, 10)}|${l.model_id}|${l.machine_id}`)!;
      expect(l.amount_nanos).toBe(e.nanos);
      expect(l.requests).toBe(e.requests);
      expect(l.machine_label).toBe(s.machineNames.get(l.machine_id!));
      expect(l.day.getTime()).toBeGreaterThanOrEqual(statement.start.getTime());
      expect(l.day.getTime()).toBeLessThan(statement.end.getTime());
    }
    // Never the foreign provider's: its payouts, its machines, its entries.
    for (const l of statement.lines) {
      expect(s.foreignPayoutIds).not.toContain(l.payout_id);
      if (l.machine_id) expect(s.machineIds).toContain(l.machine_id);
      if (l.payout_id) expect(s.payoutIds).toContain(l.payout_id);
    }
    const entryIds = statement.lines.map((l) => l.journal_entry_id).filter((id): id is string => id !== null);
    if (entryIds.length > 0) {
      const orgsOfEntries = await database.db
        .selectDistinct({ org: ledgerLines.organizationId })
        .from(ledgerLines)
        .where(and(eq(ledgerLines.account, "provider_earnings"), inArray(ledgerLines.journalEntryId, entryIds)));
      expect(orgsOfEntries.map((o) => o.org)).toContain(org);
    }
  };

  it.each([7, 2026])("sums exactly to the ledger over generated activity (seed %i), month edges at 00:00:00.000Z", async (seedValue) => {
    const s = await seed(seedValue);
    for (const month of MONTHS) await checkAgainstLedger(s, await providerStatement(database.db, { organizationId: s.provider.organizationId, month }));

    const nov = await providerStatement(database.db, { organizationId: s.provider.organizationId, month: "2026-11" });
    // Lines are oldest first by day; a day's earnings come before its other lines.
    for (let i = 1; i < nov.lines.length; i++) expect(nov.lines[i]!.day.getTime()).toBeGreaterThanOrEqual(nov.lines[i - 1]!.day.getTime());
    // Payout-side lines carry their references.
    for (const l of nov.lines) {
      if (l.kind === "payout" || l.kind === "payout_failure") expect(l.reference).toBe(l.payout_id);
      if (l.kind === "payout_reversal") expect(l.stripe_reversal_id).toMatch(/^trr_/);
      if (l.kind === "clawback" || l.kind === "clawback_release") expect(l.reference).toMatch(/^(refund:re_|dispute:dp_)/);
      if (l.kind === "other") expect(l.description).toContain("manual fix");
    }
    const [transferredPayout] = await database.db.select().from(payouts).where(and(eq(payouts.organizationId, s.provider.organizationId), sql`${payouts.stripeTransferId} is not null`));
    for (const month of MONTHS) {
      const st = await providerStatement(database.db, { organizationId: s.provider.organizationId, month });
      for (const l of st.lines.filter((x) => x.payout_id === transferredPayout?.id)) expect(l.stripe_transfer_id).toBe(transferredPayout!.stripeTransferId);
    }

    // The foreign provider's statement is its own and sums to its own ledger.
    const foreignNov = await providerStatement(database.db, { organizationId: s.foreign.organizationId, month: "2026-11" });
    expect(foreignNov.closing_balance_nanos).toBe(await ledgerSum(s.foreign.organizationId, null, NOV.end));
    for (const l of foreignNov.lines) {
      expect(s.payoutIds).not.toContain(l.payout_id);
      expect(s.machineIds).not.toContain(l.machine_id);
    }
  });

  it("puts an entry posted at exactly 00:00:00.000Z in the month it starts, not the one before", async () => {
    const provider = await seedOrganization(database.db, "edge");
    const machineId = await addMachine(provider, "edge-box");
    const o = outcome(provider, machineId, "m", NOV.start, 1_000_000n, 1_000);
    await settleBatch(ctx, [o]);
    const last = outcome(provider, machineId, "m", T("2026-11-30T23:59:59.999Z"), 1_000_000n, 2_000);
    const next = outcome(provider, machineId, "m", NOV.end, 1_000_000n, 3_000);
    await settleBatch(ctx, [last, next]);
    const oct = await providerStatement(database.db, { organizationId: provider.organizationId, month: "2026-10" });
    const nov = await providerStatement(database.db, { organizationId: provider.organizationId, month: "2026-11" });
    const dec = await providerStatement(database.db, { organizationId: provider.organizationId, month: "2026-12" });
    const p = (x: RequestOutcome) => priceOutcome(x, ctx.platform_fee_bps).provider_nanos;
    expect(oct.lines).toEqual([]);
    expect(oct.closing_balance_nanos).toBe(0n);
    expect(nov.lines.map((l) => [l.day.toISOString(), l.amount_nanos])).toEqual([
      ["2026-11-01T00:00:00.000Z", p(o)],
      ["2026-11-30T00:00:00.000Z", p(last)],
    ]);
    expect(nov.opening_balance_nanos).toBe(0n);
    expect(nov.closing_balance_nanos).toBe(p(o) + p(last));
    expect(dec.opening_balance_nanos).toBe(nov.closing_balance_nanos);
    expect(dec.lines.map((l) => l.day.toISOString())).toEqual(["2026-12-01T00:00:00.000Z"]);
    expect(dec.lines[0]!.description).toBe("Earnings: m on edge-box (1 request)");
  });

  it("the CSV: one header, the exact column sums to the closing row and the ledger, byte-identical twice", async () => {
    const s = await seed(99);
    for (const month of MONTHS) {
      const input = { organizationId: s.provider.organizationId, month };
      const csv = await providerStatementCsv(database.db, input);
      expect(await providerStatementCsv(database.db, input)).toBe(csv);
      const [header, ...rows] = parseCsv(csv);
      expect(header).toEqual([...STATEMENT_CSV_COLUMNS]);
      const col = (name: string) => header!.indexOf(name);
      const exact = (r: string[]) => usdToNanos(r[col("amount_usd_exact (authoritative)")]!);
      const rowsOf = (type: string) => rows.filter((r) => r[col("row_type")] === type);
      expect(rowsOf("opening")).toHaveLength(1);
      expect(rowsOf("closing")).toHaveLength(1);
      const summed = [...rowsOf("opening"), ...rowsOf("line")].reduce((t, r) => t + exact(r), 0n);
      const { start, end } = { start: new Date(`${month}-01T00:00:00.000Z`), end: (await providerStatement(database.db, input)).end };
      expect(exact(rowsOf("opening")[0]!)).toBe(await ledgerSum(s.provider.organizationId, null, start));
      expect(summed).toBe(exact(rowsOf("closing")[0]!));
      expect(summed).toBe(await ledgerSum(s.provider.organizationId, null, end));
      expect(rowsOf("total").reduce((t, r) => t + exact(r), 0n)).toBe(await ledgerSum(s.provider.organizationId, start, end));
      // ISO-8601 UTC dates; the provider's machine name cannot start a spreadsheet formula.
      for (const r of rows) expect(r[col("date")]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const r of rowsOf("line")) {
        if (r[col("posted_at")]) expect(r[col("posted_at")]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        if (r[col("machine")]) expect(["rig-east", "'=rig,west"]).toContain(r[col("machine")]);
      }
      expect(csv).not.toContain(s.foreign.organizationId);
      for (const id of s.foreignPayoutIds) expect(csv).not.toContain(id);
    }
  });

  it("an organization with no activity gets a zero statement; a bad month is invalid_input", async () => {
    const empty = await seedOrganization(database.db, "empty");
    const st = await providerStatement(database.db, { organizationId: empty.organizationId, month: "2026-11" });
    expect(st).toMatchObject({ opening_balance_nanos: 0n, closing_balance_nanos: 0n, transferred_nanos: 0n, lines: [] });
    expect(Object.values(st.totals).every((t) => t === 0n)).toBe(true);
    await expect(providerStatement(database.db, { organizationId: empty.organizationId, month: "2026-13" })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(providerStatementCsv(database.db, { organizationId: empty.organizationId, month: "nov" })).rejects.toBeInstanceOf(ServiceError);
  });

  it("lists payouts newest first by (created_at, id), paged by cursor, never another organization's", async () => {
    const org = await seedOrganization(database.db, "pager");
    const other = await seedOrganization(database.db, "other");
    const sameInstant = T("2026-11-10T10:00:00.000Z");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await insertPayout(org, i < 3 ? sameInstant : new Date(sameInstant.getTime() + i * 60_000), 1_000n * NANOS_PER_CENT, i === 6 ? "pending" : "paid", { stripeTransferId: `tr_page_${kind}_${i}` }));
    const otherId = await insertPayout(other, T("2026-11-20T00:00:00.000Z"), 5n * NANOS_PER_CENT, "transferred");
    const expected = [...ids.slice(3).reverse(), ...ids.slice(0, 3).sort().reverse()];

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await listPayouts(database.db, { organizationId: org.organizationId, limit: 3, cursor });
      expect(res.payouts.length).toBeLessThanOrEqual(3);
      seen.push(...res.payouts.map((p) => p.id));
      if (!res.next_cursor) break;
      cursor = res.next_cursor;
    }
    expect(seen).toEqual(expected);
    const first = (await listPayouts(database.db, { organizationId: org.organizationId, limit: 1 })).payouts[0]!;
    expect(first).toMatchObject({ id: ids[6], status: "pending", stripe_transfer_id: `tr_page_${kind}_6`, amount_nanos: 1_000n * NANOS_PER_CENT, amount_reversed_nanos: 0n, trigger: "scheduled" });
    expect(first.created_at).toBeInstanceOf(Date);
    // A foreign or unknown cursor is an empty page, not someone else's payouts.
    expect(await listPayouts(database.db, { organizationId: org.organizationId, limit: 10, cursor: otherId })).toEqual({ payouts: [], next_cursor: null });
    expect(await listPayouts(database.db, { organizationId: org.organizationId, limit: 10, cursor: "pyt_nope" })).toEqual({ payouts: [], next_cursor: null });
    expect((await listPayouts(database.db, { organizationId: other.organizationId, limit: 10 })).payouts.map((p) => p.id)).toEqual([otherId]);
    await expect(listPayouts(database.db, { organizationId: org.organizationId, limit: 0 })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(listPayouts(database.db, { organizationId: org.organizationId, limit: 101 })).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("pages rows created within one millisecond without skipping any (created_at has microseconds)", async () => {
    const org = await seedOrganization(database.db, "micro");
    const ids: string[] = [];
    for (const us of ["100", "400", "700"]) {
      const id = newId("payout");
      ids.push(id);
      await database.db.insert(payouts).values({ id, organizationId: org.organizationId, stripeAccountId: "acct_x", trigger: "early", amountNanos: NANOS_PER_CENT, status: "paid", createdAt: sql`${`2026-11-10T10:00:00.123${us}Z`}::timestamptz` as never });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await listPayouts(database.db, { organizationId: org.organizationId, limit: 1, cursor });
      seen.push(...res.payouts.map((p) => p.id));
      cursor = res.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});
