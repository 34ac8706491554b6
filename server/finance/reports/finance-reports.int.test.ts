import fc from "fast-check";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../../lib/ids";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { ledgerSumNanos } from "../../../test/ledger";
import { seedOrganization } from "../../../test/market-fixtures";
import { buyerStripeLines, postJournalEntry, type JournalLine } from "../../billing/post-journal-entry";
import { priceOutcome, type RequestOutcome } from "../../billing/request-outcome";
import { settleBatch } from "../../billing/settle-batch";
import type { ServiceContext } from "../../context";
import { monthPeriod, type Period } from "../period";
import { financeReports } from "./finance-reports";
import type { FinanceDay, MarketRevenue, TopOrganization } from "./types";

const DAY_MS = 86_400_000;
const MODELS = ["llama-3.1-8b", "qwen2.5-7b"] as const;
const HARDWARE = ["cpu", "h100"] as const;
const ENTRY_KINDS = ["top_up", "invoice_payment", "refund", "refund_reversal", "dispute_withdrawal", "dispute_reinstatement", "payout", "payout_transfer", "payout_reversal", "stripe_fee", "clawback"] as const;

type Org = Awaited<ReturnType<typeof seedOrganization>>;
type Event =
  | { type: "settle"; buyer: number; provider: number; model: number; hw: number; price: bigint; billed_ms: number; status: RequestOutcome["status"] }
  | { type: (typeof ENTRY_KINDS)[number]; buyer: number; provider: number; amount: bigint };

/** An offset from a day before the period to a day after it, one in four exactly on an edge of the period. */
const atArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom("start-1", "start", "end-1", "end") },
  { weight: 3, arbitrary: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) },
);
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    type: fc.constant("settle" as const),
    buyer: fc.nat(2),
    provider: fc.nat(2),
    model: fc.nat(1),
    hw: fc.nat(1),
    price: fc.bigInt(1n, 50_000_000n),
    billed_ms: fc.integer({ min: 0, max: 120_000 }),
    status: fc.constantFrom("completed", "completed", "aborted", "failed"),
  }),
  fc.record({ type: fc.constantFrom(...ENTRY_KINDS), buyer: fc.nat(2), provider: fc.nat(2), amount: fc.bigInt(1n, 10n ** 12n) }),
);
const withTime = fc.tuple(eventArb, atArb);

function instant(period: Period, at: string | number): number {
  if (at === "start-1") return period.start.getTime() - 1;
  if (at === "start") return period.start.getTime();
  if (at === "end-1") return period.end.getTime() - 1;
  if (at === "end") return period.end.getTime();
  const from = period.start.getTime() - DAY_MS;
  return from + Math.floor((at as number) * (period.end.getTime() + DAY_MS - from));
}

/** Every FinanceDay figure zero. */
const zeroDay = (day: string): FinanceDay => ({ day, usage_nanos: 0n, fees_nanos: 0n, top_ups_nanos: 0n, refunds_nanos: 0n, payouts_nanos: 0n, stripe_fees_nanos: 0n, requests: 0 });

describe.each(DB_KINDS)("finance reports on %s", (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;
  let buyers: Org[];
  let providers: Org[];
  let names: Map<string, string>;
  // Each generated run gets a month of its own, every other month, so entries spilling a day past a run's
  // period (its edges are tested) never land in another run's.
  let nextMonth = 0;
  const freshMonth = () => {
    const i = 2 * nextMonth++;
    return monthPeriod(`${2020 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`);
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1250, test_credit_nanos: 0n };
    buyers = [];
    providers = [];
    names = new Map();
    for (let i = 0; i < 3; i++) buyers.push(await seedOrganization(database.db, `buyer${i}`));
    for (let i = 0; i < 3; i++) providers.push(await seedOrganization(database.db, `provider${i}`));
    const { rows } = (await database.db.execute(sql`select id, name from organizations`)) as { rows: { id: string; name: string }[] };
    for (const r of rows) names.set(r.id, r.name);
  });
  afterAll(async () => database?.close());

  const outcome = (e: Extract<Event, { type: "settle" }>, completedAt: Date): RequestOutcome => ({
    requestId: newId("request"),
    organizationId: buyers[e.buyer]!.organizationId,
    apiKeyId: buyers[e.buyer]!.apiKeyId,
    offerId: newId("offer"),
    machineId: newId("machine"),
    providerOrganizationId: providers[e.provider]!.organizationId,
    modelId: MODELS[e.model]!,
    hardwareClass: HARDWARE[e.hw]!,
    endpoint: "chat.completions",
    stream: false,
    status: e.status,
    errorCode: e.status === "failed" ? "provider_error" : null,
    price_nanos_per_second: e.price,
    bid_nanos_per_second: null,
    compute_ms: e.billed_ms,
    served_ms: null,
    quote_ms: null,
    billed_ms: e.billed_ms,
    ttft_ms: 5,
    prompt_tokens: 3,
    completion_tokens: 4,
    dispatchedAt: new Date(completedAt.getTime() - e.billed_ms),
    completedAt,
    hold: "reservation",
  });

  /** The lines each non-settlement kind posts (server/billing/payouts/README.md, buyerStripeLines). */
  const linesOf = (e: Extract<Event, { amount: bigint }>): JournalLine[] => {
    const buyer = buyers[e.buyer]!.organizationId;
    const provider = providers[e.provider]!.organizationId;
    const X = e.amount;
    switch (e.type) {
      case "top_up":
      case "invoice_payment":
      case "refund_reversal":
      case "dispute_reinstatement":
        return buyerStripeLines(buyer, X);
      case "refund":
      case "dispute_withdrawal":
        return buyerStripeLines(buyer, -X);
      case "payout":
        return [{ account: "provider_earnings", organizationId: provider, amount_nanos: -X }, { account: "provider_in_transit", organizationId: provider, amount_nanos: X }];
      case "payout_transfer":
        return [{ account: "provider_in_transit", organizationId: provider, amount_nanos: -X }, { account: "stripe_clearing", organizationId: null, amount_nanos: X }];
      case "payout_reversal":
        return [{ account: "stripe_clearing", organizationId: null, amount_nanos: -X }, { account: "provider_earnings", organizationId: provider, amount_nanos: X }];
      case "stripe_fee":
        return [{ account: "platform_expense", organizationId: null, amount_nanos: -X }, { account: "stripe_clearing", organizationId: null, amount_nanos: X }];
      case "clawback":
        return [{ account: "provider_earnings", organizationId: provider, amount_nanos: -X }, { account: "buyer_balance", organizationId: buyer, amount_nanos: X }];
    }
  };

  type Expected = { days: Map<string, FinanceDay>; buyers: Map<string, TopOrganization>; providers: Map<string, TopOrganization>; markets: Map<string, MarketRevenue> };

  /** Posts the events and works out, independently of the code under test, what the reports must say. */
  async function seed(period: Period, events: [Event, string | number][]): Promise<Expected> {
    const exp: Expected = { days: new Map(), buyers: new Map(), providers: new Map(), markets: new Map() };
    const inPeriod = (t: number) => t >= period.start.getTime() && t < period.end.getTime();
    const day = (t: number) => {
      const d = new Date(t).toISOString().slice(0, 10);
      if (!exp.days.has(d)) exp.days.set(d, zeroDay(d));
      return exp.days.get(d)!;
    };
    const org = (m: Map<string, TopOrganization>, id: string) => {
      if (!m.has(id)) m.set(id, { organization_id: id, name: names.get(id)!, amount_nanos: 0n, requests: 0 });
      return m.get(id)!;
    };
    const outcomes: RequestOutcome[] = [];
    for (const [e, at] of events) {
      const t = instant(period, at);
      if (e.type === "settle") {
        const o = outcome(e, new Date(t));
        outcomes.push(o);
        if (!inPeriod(t)) continue;
        const p = priceOutcome(o, ctx.platform_fee_bps);
        const d = day(t);
        d.usage_nanos += p.cost_nanos;
        d.fees_nanos += p.fee_nanos;
        d.requests += 1;
        const b = org(exp.buyers, o.organizationId);
        b.amount_nanos += p.cost_nanos;
        b.requests += 1;
        const pr = org(exp.providers, o.providerOrganizationId);
        pr.amount_nanos += p.provider_nanos;
        pr.requests += 1;
        const key = `${o.modelId}|${o.hardwareClass}`;
        const m = exp.markets.get(key) ?? { model_id: o.modelId, hardware_class: o.hardwareClass, usage_nanos: 0n, fees_nanos: 0n, requests: 0 };
        m.usage_nanos += p.cost_nanos;
        m.fees_nanos += p.fee_nanos;
        m.requests += 1;
        exp.markets.set(key, m);
        continue;
      }
      await postJournalEntry(database.db, { kind: e.type, idempotencyKey: `test:${newId("journalEntry")}`, at: new Date(t), lines: linesOf(e) });
      if (!inPeriod(t)) continue;
      const d = day(t);
      if (e.type === "top_up" || e.type === "invoice_payment") d.top_ups_nanos += e.amount;
      if (e.type === "refund" || e.type === "dispute_withdrawal") d.refunds_nanos += e.amount;
      if (e.type === "refund_reversal" || e.type === "dispute_reinstatement") d.refunds_nanos -= e.amount;
      if (e.type === "payout_transfer") d.payouts_nanos += e.amount;
      if (e.type === "payout_reversal") d.payouts_nanos -= e.amount;
      if (e.type === "stripe_fee") d.stripe_fees_nanos += e.amount;
    }
    if (outcomes.length) await settleBatch(ctx, outcomes);
    return exp;
  }

  const byAmount = (a: TopOrganization, b: TopOrganization) => (a.amount_nanos !== b.amount_nanos ? (a.amount_nanos > b.amount_nanos ? -1 : 1) : b.requests - a.requests || (a.organization_id < b.organization_id ? -1 : 1));
  const byFees = (a: MarketRevenue, b: MarketRevenue) =>
    a.fees_nanos !== b.fees_nanos ? (a.fees_nanos > b.fees_nanos ? -1 : 1) : a.usage_nanos !== b.usage_nanos ? (a.usage_nanos > b.usage_nanos ? -1 : 1) : a.model_id < b.model_id ? -1 : a.model_id > b.model_id ? 1 : a.hardware_class < b.hardware_class ? -1 : 1;

  /** Σ lines of `account` in entries of `kinds` posted inside the period: the ledger's own figure. */
  const ledger = (period: Period, account: string, kinds?: readonly string[]) =>
    ledgerSumNanos(
      database.db,
      sql`account = ${account} and journal_entry_id in (select id from journal_entries where created_at >= ${period.start.toISOString()}::timestamptz and created_at < ${period.end.toISOString()}::timestamptz${kinds ? sql` and kind in (${sql.join(kinds.map((k) => sql`${k}`), sql`, `)})` : sql``})`,
    );
  const total = (days: FinanceDay[], f: (d: FinanceDay) => bigint) => days.reduce((s, d) => s + f(d), 0n);

  it("every figure equals the ledger's sum for generated activity, day by day and in total", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(withTime, { minLength: 1, maxLength: 30 }), async (events) => {
        const period = freshMonth();
        const exp = await seed(period, events);
        const r = await financeReports(ctx, period, { limit: 100 });

        expect(r.days.map((d) => d.day)).toHaveLength(Math.round((period.end.getTime() - period.start.getTime()) / DAY_MS));
        expect(r.days).toEqual(r.days.map((d) => exp.days.get(d.day) ?? zeroDay(d.day)));
        expect(r.top_buyers).toEqual([...exp.buyers.values()].sort(byAmount));
        expect(r.top_providers).toEqual([...exp.providers.values()].sort(byAmount));
        expect(r.markets).toEqual([...exp.markets.values()].sort(byFees));

        // The same figures straight from ledger_lines (test/ledger.ts), not through the report's queries.
        expect(total(r.days, (d) => d.usage_nanos)).toBe(-(await ledger(period, "buyer_balance", ["request_settlement"])));
        expect(total(r.days, (d) => d.fees_nanos)).toBe(await ledger(period, "platform_revenue"));
        expect(total(r.days, (d) => d.top_ups_nanos)).toBe(await ledger(period, "buyer_balance", ["top_up", "invoice_payment"]));
        expect(total(r.days, (d) => d.refunds_nanos)).toBe(-(await ledger(period, "buyer_balance", ["refund", "refund_reversal", "dispute_withdrawal", "dispute_reinstatement"])));
        expect(total(r.days, (d) => d.payouts_nanos)).toBe(await ledger(period, "stripe_clearing", ["payout_transfer", "payout_reversal"]));
        expect(total(r.days, (d) => d.stripe_fees_nanos)).toBe(-(await ledger(period, "platform_expense")));
        expect(r.top_buyers.reduce((s, b) => s + b.amount_nanos, 0n)).toBe(total(r.days, (d) => d.usage_nanos));
        expect(r.markets.reduce((s, m) => s + m.fees_nanos, 0n)).toBe(total(r.days, (d) => d.fees_nanos));
        expect(r.markets.reduce((s, m) => s + m.requests, 0)).toBe(r.days.reduce((s, d) => s + d.requests, 0));
      }),
      { numRuns: 10 },
    );
  });

  it("reads one snapshot: while settlement keeps posting, each report's days, tops and markets agree with each other", async () => {
    const period = freshMonth();
    const mid = (period.start.getTime() + period.end.getTime()) / 2;
    const frac = (t: number) => (t - (period.start.getTime() - DAY_MS)) / (period.end.getTime() + DAY_MS - (period.start.getTime() - DAY_MS));
    let posting = true;
    const writer = (async () => {
      for (let i = 0; posting && i < 40; i++) {
        const events: [Event, number][] = [0, 1, 2].map((b) => [{ type: "settle", buyer: b, provider: (b + i) % 3, model: i % 2, hw: b % 2, price: BigInt(1_000_003 + i * 7 + b), billed_ms: 500 + i, status: "completed" }, frac(mid + i * 60_000)]);
        await seed(period, events);
      }
    })();
    try {
      for (let k = 0; k < 6; k++) {
        const r = await financeReports(ctx, period, { limit: 100 });
        const usage = total(r.days, (d) => d.usage_nanos);
        const requests = r.days.reduce((s, d) => s + d.requests, 0);
        expect(r.top_buyers.reduce((s, b) => s + b.amount_nanos, 0n)).toBe(usage);
        expect(r.top_buyers.reduce((s, b) => s + b.requests, 0)).toBe(requests);
        expect(r.top_providers.reduce((s, p) => s + p.requests, 0)).toBe(requests);
        expect(r.markets.reduce((s, m) => s + m.usage_nanos, 0n)).toBe(usage);
        expect(r.markets.reduce((s, m) => s + m.fees_nanos, 0n)).toBe(total(r.days, (d) => d.fees_nanos));
        // Buyer debit = provider credit + fee in every settlement, so the snapshot balances too.
        expect(r.top_providers.reduce((s, p) => s + p.amount_nanos, 0n) + total(r.days, (d) => d.fees_nanos)).toBe(usage);
        await new Promise((res) => setTimeout(res, 20));
      }
    } finally {
      posting = false;
      await writer;
    }
  });

  it("zero-fills every day of a quiet period, a custom range's partial days included", async () => {
    const month = freshMonth();
    const r = await financeReports(ctx, month);
    expect(r.days).toEqual(r.days.map((d) => zeroDay(d.day)));
    expect(r.days[0]!.day).toBe(month.start.toISOString().slice(0, 10));
    expect(r.days.at(-1)!.day).toBe(new Date(month.end.getTime() - 1).toISOString().slice(0, 10));
    expect({ top_buyers: r.top_buyers, top_providers: r.top_providers, markets: r.markets }).toEqual({ top_buyers: [], top_providers: [], markets: [] });

    // One top-up at noon on the 3rd of another month, seen through a range from 06:00 on the 2nd to 06:00 on the 5th.
    const other = freshMonth();
    const noon = new Date(other.start.getTime() + 2 * DAY_MS + DAY_MS / 2);
    await postJournalEntry(database.db, { kind: "top_up", idempotencyKey: `test:${newId("journalEntry")}`, at: noon, lines: buyerStripeLines(buyers[0]!.organizationId, 7n) });
    const range = { start: new Date(other.start.getTime() + DAY_MS + DAY_MS / 4), end: new Date(other.start.getTime() + 4 * DAY_MS + DAY_MS / 4) };
    const days = (await financeReports(ctx, range)).days;
    expect(days.map((d) => [d.day.slice(8), d.top_ups_nanos])).toEqual([["02", 0n], ["03", 7n], ["04", 0n], ["05", 0n]]);
  });

  it("limits each table, keeping the highest first, and refuses limits and periods out of range", async () => {
    const period = freshMonth();
    const mid = (period.start.getTime() + period.end.getTime()) / 2;
    const events: [Event, string | number][] = [];
    // Three buyers × three providers × two models × two classes, each amount distinct.
    let n = 0;
    for (let buyer = 0; buyer < 3; buyer++)
      for (let provider = 0; provider < 3; provider++)
        for (let model = 0; model < 2; model++)
          for (let hw = 0; hw < 2; hw++) events.push([{ type: "settle", buyer, provider, model, hw, price: BigInt(1_000_000 * (1 + n++)), billed_ms: 1000 + buyer * 7 + provider, status: "completed" }, (mid - (period.start.getTime() - DAY_MS)) / (period.end.getTime() + DAY_MS - (period.start.getTime() - DAY_MS))]);
    const exp = await seed(period, events);
    const all = await financeReports(ctx, period);
    expect(all.top_buyers).toHaveLength(3);
    expect(all.markets).toHaveLength(4);
    const two = await financeReports(ctx, period, { limit: 2 });
    expect(two.top_buyers).toEqual([...exp.buyers.values()].sort(byAmount).slice(0, 2));
    expect(two.top_providers).toEqual([...exp.providers.values()].sort(byAmount).slice(0, 2));
    expect(two.markets).toEqual([...exp.markets.values()].sort(byFees).slice(0, 2));
    expect(two.days).toEqual(all.days);
    expect(two.top_buyers[0]!.name).toMatch(/^buyer\d$/);

    for (const limit of [0, -1, 1.5, 101]) await expect(financeReports(ctx, period, { limit })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(financeReports(ctx, { start: period.start, end: new Date(period.start.getTime() + 368 * DAY_MS) })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(financeReports(ctx, { start: period.end, end: period.start })).rejects.toMatchObject({ code: "invalid_input" });
    expect((await financeReports(ctx, { start: period.start, end: new Date(period.start.getTime() + 367 * DAY_MS) })).days).toHaveLength(367);
  });
});
