import { and, eq, gte, lt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, ledgerLines, machines } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { seedOrganization } from "../../../test/market-fixtures";
import type { ServiceContext } from "../../context";
import { postJournalEntry } from "../post-journal-entry";
import { priceOutcome, type RequestOutcome } from "../request-outcome";
import { settleBatch } from "../settle-batch";
import { providerEarningsSeries } from "./earnings-series";

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

type Org = { organizationId: string; apiKeyId: string; agentTokenId: string };
const DAY_MS = 86_400_000;
const FROM = new Date("2026-11-01T00:00:00.000Z");
const TO = new Date("2026-12-01T00:00:00.000Z");

describe.each(DB_KINDS)("provider earnings series on %s", (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;
  let buyer: Org;
  let provider: Org;
  let foreign: Org;
  const machineNames = new Map<string, string>();
  /** Expected nanos per "day|machine" and "day|model", from the generated settlements inside [FROM, TO). */
  const byMachine = new Map<string, bigint>();
  const byModel = new Map<string, bigint>();
  let machineIds: string[] = [];

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
    machineNames.set(id, name);
    return id;
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 0n };
    buyer = await seedOrganization(database.db, "buyer");
    provider = await seedOrganization(database.db, "prov");
    foreign = await seedOrganization(database.db, "foreign");
    machineIds = [await addMachine(provider, "rig-a"), await addMachine(provider, "rig-b")];
    const foreignMachine = await addMachine(foreign, "foreign-box");

    const r = prng(42);
    const edges = [new Date(FROM.getTime() - 1), FROM, new Date(TO.getTime() - 1), TO];
    const outcomes: RequestOutcome[] = [];
    for (let i = 0; i < 200; i++) {
      const foreignOne = r.next() < 0.25;
      // Days 2026-10-25 .. 2026-12-05, one in five on an edge of [FROM, TO); days 2026-11-10..12 get nothing (zero-filled).
      let completedAt = r.next() < 0.2 ? r.pick(edges) : new Date(Date.UTC(2026, 9, 25) + r.int(0, 41 * DAY_MS - 1));
      if (completedAt >= new Date("2026-11-10T00:00:00Z") && completedAt < new Date("2026-11-13T00:00:00Z")) completedAt = new Date(completedAt.getTime() + 3 * DAY_MS);
      const machineId = foreignOne ? foreignMachine : r.pick(machineIds);
      const modelId = r.pick(["model-x", "model-y"] as const);
      const billed_ms = r.int(1, 50_000);
      const o: RequestOutcome = {
        requestId: newId("request"),
        organizationId: buyer.organizationId,
        apiKeyId: buyer.apiKeyId,
        offerId: newId("offer"),
        machineId,
        providerOrganizationId: (foreignOne ? foreign : provider).organizationId,
        modelId,
        hardwareClass: "cpu",
        endpoint: "chat.completions",
        stream: r.next() < 0.5,
        status: r.next() < 0.1 ? "aborted" : "completed",
        errorCode: null,
        price_nanos_per_second: BigInt(r.int(1_000, 50_000_000)),
        bid_nanos_per_second: null,
        compute_ms: billed_ms,
        served_ms: null,
        quote_ms: null,
        billed_ms,
        ttft_ms: 5,
        prompt_tokens: 1,
        completion_tokens: 1,
        dispatchedAt: new Date(completedAt.getTime() - billed_ms),
        completedAt,
        hold: "reservation",
      };
      outcomes.push(o);
      if (!foreignOne && completedAt >= FROM && completedAt < TO) {
        const day = completedAt.toISOString().slice(0, 10);
        const nanos = priceOutcome(o, ctx.platform_fee_bps).provider_nanos;
        byMachine.set(`${day}|${machineId}`, (byMachine.get(`${day}|${machineId}`) ?? 0n) + nanos);
        byModel.set(`${day}|${modelId}`, (byModel.get(`${day}|${modelId}`) ?? 0n) + nanos);
      }
    }
    await settleBatch(ctx, outcomes);
    // Payouts and clawbacks move the balance but are not earnings: the series leaves them out.
    await postJournalEntry(database.db, {
      kind: "payout",
      idempotencyKey: `payout:${newId("payout")}`,
      at: new Date("2026-11-15T00:00:00Z"),
      lines: [
        { account: "provider_earnings", organizationId: provider.organizationId, amount_nanos: -10_000_000_000n },
        { account: "provider_in_transit", organizationId: provider.organizationId, amount_nanos: 10_000_000_000n },
      ],
    });
    await postJournalEntry(database.db, {
      kind: "clawback",
      idempotencyKey: "clawback:refund:re_series",
      at: new Date("2026-11-16T00:00:00Z"),
      lines: [
        { account: "provider_earnings", organizationId: provider.organizationId, amount_nanos: -77n },
        { account: "buyer_balance", organizationId: buyer.organizationId, amount_nanos: 77n },
      ],
    });
  });
  afterAll(async () => database?.close());

  /** The ledger's own answer: Σ provider_earnings lines of request settlements in [from, to). */
  const ledgerEarnings = async (organizationId: string, from: Date, to: Date) => {
    const [row] = await database.db
      .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(
        and(
          eq(ledgerLines.account, "provider_earnings"),
          eq(ledgerLines.organizationId, organizationId),
          eq(journalEntries.kind, "request_settlement"),
          gte(ledgerLines.createdAt, from),
          lt(ledgerLines.createdAt, to),
        ),
      );
    return BigInt(row!.total);
  };

  it.each(["machine", "model"] as const)("by %s: zero-filled days, exact per day and group, totals equal to the ledger", async (by) => {
    const series = await providerEarningsSeries(database.db, { organizationId: provider.organizationId, from: FROM, to: TO, by });
    expect(series.days).toHaveLength(30);
    expect(series.days[0]).toBe("2026-11-01");
    expect(series.days[29]).toBe("2026-11-30");
    const expected = by === "machine" ? byMachine : byModel;
    const keys = by === "machine" ? machineIds : ["model-x", "model-y"];
    expect(series.groups.map((g) => g.key).sort()).toEqual([...keys].sort());
    for (const g of series.groups) {
      expect(g.label).toBe(by === "machine" ? machineNames.get(g.key) : g.key);
      expect(g.nanos).toHaveLength(series.days.length);
      series.days.forEach((day, i) => expect(g.nanos[i]).toBe(expected.get(`${day}|${g.key}`) ?? 0n));
      expect(g.total_nanos).toBe(g.nanos.reduce((s, n) => s + n, 0n));
    }
    // Largest first.
    for (let i = 1; i < series.groups.length; i++) expect(series.groups[i - 1]!.total_nanos >= series.groups[i]!.total_nanos).toBe(true);
    for (const day of ["2026-11-10", "2026-11-11", "2026-11-12"]) expect(series.day_totals_nanos[series.days.indexOf(day)]).toBe(0n);
    expect(series.day_totals_nanos.reduce((s, n) => s + n, 0n)).toBe(series.total_nanos);
    expect(series.total_nanos).toBe(await ledgerEarnings(provider.organizationId, FROM, TO));
    expect(series.total_nanos).toBe([...expected.values()].reduce((s, n) => s + n, 0n));
    // The edges: the last millisecond before TO counts, TO itself does not.
    expect(series.total_nanos).toBeGreaterThan(0n);
  });

  it("an unaligned range buckets by UTC day and still equals the ledger to the nano", async () => {
    const from = new Date("2026-10-28T13:30:00.000Z");
    const to = new Date("2026-11-04T06:00:00.000Z");
    const series = await providerEarningsSeries(database.db, { organizationId: provider.organizationId, from, to, by: "model" });
    expect(series.days).toEqual(["2026-10-28", "2026-10-29", "2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]);
    expect(series.total_nanos).toBe(await ledgerEarnings(provider.organizationId, from, to));
  });

  it("never shows another organization's earnings", async () => {
    const mine = await providerEarningsSeries(database.db, { organizationId: provider.organizationId, from: FROM, to: TO, by: "machine" });
    const theirs = await providerEarningsSeries(database.db, { organizationId: foreign.organizationId, from: FROM, to: TO, by: "machine" });
    expect(theirs.groups.map((g) => g.label)).toEqual(["foreign-box"]);
    expect(mine.groups.map((g) => g.label)).not.toContain("foreign-box");
    expect(theirs.total_nanos).toBe(await ledgerEarnings(foreign.organizationId, FROM, TO));
    const nobody = await seedOrganization(database.db, "nobody");
    const none = await providerEarningsSeries(database.db, { organizationId: nobody.organizationId, from: FROM, to: TO, by: "model" });
    expect(none).toMatchObject({ groups: [], total_nanos: 0n });
    expect(none.day_totals_nanos.every((n) => n === 0n)).toBe(true);
  });

  it("refuses more than 92 days, an empty range and an unknown split with invalid_input", async () => {
    const q = (from: Date, to: Date, by = "model") => providerEarningsSeries(database.db, { organizationId: provider.organizationId, from, to, by: by as "model" });
    expect((await q(FROM, new Date(FROM.getTime() + 92 * DAY_MS))).days).toHaveLength(92);
    await expect(q(FROM, new Date(FROM.getTime() + 92 * DAY_MS + 1))).rejects.toMatchObject({ code: "invalid_input" });
    await expect(q(FROM, FROM)).rejects.toMatchObject({ code: "invalid_input" });
    await expect(q(FROM, TO, "offer")).rejects.toMatchObject({ code: "invalid_input" });
  });
});
