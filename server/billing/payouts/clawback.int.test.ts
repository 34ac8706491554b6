import OpenAI from "openai";
import { and, asc, eq, inArray, like, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectedAccounts, journalEntries, ledgerLines, requests, stripeEvents, topUps } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { TINY_MODEL_ID } from "../../../test/tiny-model";
import { applyDispute } from "../adjustments/apply-dispute";
import { applyRefund } from "../adjustments/apply-refund";
import { accountBalanceNanos } from "../balances";
import { postJournalEntry } from "../post-journal-entry";
import type { RequestOutcome } from "../request-outcome";
import { settleBatch } from "../settle-batch";
import { createTopUp } from "../top-ups/create-top-up";
import { createPayout } from "./create-payout";
import { payoutPolicy } from "./policy";
import { getProviderPayoutBalances } from "./provider-balances";
import { ledgerSumNanos } from "../../../test/ledger";

const HOUR_MS = 3_600_000;
const usd = usdToNanos;

/**
 * README "Clawback", both ways it happens: a buyer's refund or dispute after the provider was paid for that
 * usage (the earnings are past the hold, or paid out) is the platform's loss and the buyer's debt; while the
 * earnings are on hold, the part the buyer had spent comes back from them, pro rata per provider. The platform
 * fee is 10% (PLATFORM_FEE_BPS default), so a $6 request earns its provider $5.40.
 */
describe.each(DB_KINDS)("clawback of on-hold earnings on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;

  beforeAll(async () => {
    fake = await startFakeStripe();
    // Trusted offers: no canaries, so only this file's requests earn anything.
    mp = await startTestMarketplace(kind, { env: fake.env(), verification: "trust" });
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    // Every event twice, shuffled: no clawback may happen twice.
    fake.delivery.duplicates = 1;
    fake.delivery.shuffle = true;
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });
  afterEach(async () => {
    fake.delivery.auto = true;
    await delivered();
    expect(await ledgerSumNanos(db())).toBe(0n);
    expect(await db().select({ id: stripeEvents.id, type: stripeEvents.type, error: stripeEvents.lastError }).from(stripeEvents).where(eq(stripeEvents.status, "failed"))).toEqual([]);
  });

  const svc = () => mp.server.runtime.services;
  const db = () => mp.server.runtime.database.db;
  const delivered = async () => {
    await fake.flushWebhooks();
    await mp.stripeIdle();
  };
  const buyerBalance = (organizationId: string) => accountBalanceNanos(db(), "buyer_balance", organizationId);
  const buckets = (organizationId: string) => getProviderPayoutBalances(db(), { organizationId, now: new Date(), policy: payoutPolicy(svc()) });
  const provider = async () => (await mp.createProvider()).organizationId;
  const eventsOf = (objectId: string) => fake.events().filter((e) => (e.data.object as { id?: string }).id === objectId);

  /** A buyer with no credit who tops up `amount` on the fake's Checkout; the credit lands through the webhooks. */
  async function paidBuyer(amount: string) {
    const { organizationId, apiKeyId, apiKey } = await mp.createBuyer({ credit_usd: "0" });
    const { topUpId } = await createTopUp(svc(), { organizationId, userId: "user_clawback_test", amount_nanos: usd(amount) });
    const [pending] = await db().select().from(topUps).where(eq(topUps.id, topUpId));
    expect((await fake.payCheckout(pending!.stripeCheckoutSessionId!, "card")).error).toBeNull();
    await delivered();
    const [paid] = await db().select().from(topUps).where(eq(topUps.id, topUpId));
    expect(paid).toMatchObject({ status: "paid", stripeChargeId: expect.stringMatching(/^ch_/) });
    return { organizationId, apiKeyId, apiKey, chargeId: paid!.stripeChargeId! };
  }

  /** The buyer spends `cost` on a request the provider served, settled as the gateway settles it, `age_ms` ago. */
  async function spend(buyer: { organizationId: string; apiKeyId: string }, providerOrganizationId: string, cost: string, age_ms = HOUR_MS) {
    const completedAt = new Date(Date.now() - age_ms);
    const outcome: RequestOutcome = {
      requestId: newId("request"),
      organizationId: buyer.organizationId,
      apiKeyId: buyer.apiKeyId,
      offerId: "offer_clawback_test",
      machineId: "machine_clawback_test",
      providerOrganizationId,
      modelId: TINY_MODEL_ID,
      hardwareClass: "test",
      endpoint: "/v1/chat/completions",
      stream: false,
      status: "completed",
      errorCode: null,
      // One second at `cost` per second: cost exactly.
      price_nanos_per_second: usd(cost),
      bid_nanos_per_second: null,
      compute_ms: 1000,
      served_ms: 1000,
      quote_ms: 1000,
      billed_ms: 1000,
      ttft_ms: 10,
      prompt_tokens: 1,
      completion_tokens: 1,
      dispatchedAt: new Date(completedAt.getTime() - 1000),
      completedAt,
      hold: "reservation",
    };
    expect((await settleBatch(svc(), [outcome])).settled).toBe(1);
  }

  /** Journal entries by key prefix, key → lines (org → amount), for exact comparisons. */
  async function entries(keyPrefix: string) {
    const rows = await db()
      .select({ key: journalEntries.idempotencyKey, kind: journalEntries.kind, account: ledgerLines.account, org: ledgerLines.organizationId, amount: ledgerLines.amountNanos })
      .from(journalEntries)
      .innerJoin(ledgerLines, eq(ledgerLines.journalEntryId, journalEntries.id))
      .where(like(journalEntries.idempotencyKey, `${keyPrefix}%`));
    const byKey = new Map<string, Record<string, bigint>>();
    for (const r of rows) byKey.set(`${r.kind} ${r.key}`, { ...byKey.get(`${r.kind} ${r.key}`), [`${r.account}:${r.org}`]: r.amount });
    return byKey;
  }
  /** Every provider_earnings line of an organization, oldest first (to show a refund left them untouched). */
  const earningsLines = (organizationId: string) =>
    db().select({ id: ledgerLines.id, amount: ledgerLines.amountNanos }).from(ledgerLines).where(and(eq(ledgerLines.organizationId, organizationId), eq(ledgerLines.account, "provider_earnings"))).orderBy(asc(ledgerLines.createdAt), asc(ledgerLines.id));
  const clawbackLines = (buyer: string, providers: Record<string, string>) => ({
    [`buyer_balance:${buyer}`]: Object.values(providers).reduce((s, v) => s + usd(v), 0n),
    ...Object.fromEntries(Object.entries(providers).map(([org, v]) => [`provider_earnings:${org}`, -usd(v)])),
  });
  const negated = (lines: Record<string, bigint>) => Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, -v]));

  it("while on hold, a refund of spent credit takes the shortfall back from two providers pro rata, once; the buyer owes only what no one holds", async () => {
    const buyer = await paidBuyer("10");
    const [p1, p2] = [await provider(), await provider()];
    await spend(buyer, p1, "6"); // p1 earns 5.40
    await spend(buyer, p2, "2"); // p2 earns 1.80
    expect(await buyerBalance(buyer.organizationId)).toBe(usd("2"));
    expect(await buckets(p1)).toMatchObject({ on_hold_nanos: usd("5.40"), payable_nanos: 0n });

    // $5 back: the balance would be −3; the 3 the buyer had spent comes back 3:1 (5.40 : 1.80).
    const first = await fake.refund(buyer.chargeId, 500);
    await delivered();
    expect(await entries(`clawback:refund:${first.id}`)).toEqual(new Map([[`clawback clawback:refund:${first.id}`, clawbackLines(buyer.organizationId, { [p1]: "2.25", [p2]: "0.75" })]]));
    expect(await buyerBalance(buyer.organizationId)).toBe(0n);
    // The memo names the source, for the buyer's Billing page and the providers' statements alike.
    expect((await db().select({ memo: journalEntries.memo }).from(journalEntries).where(eq(journalEntries.idempotencyKey, `clawback:refund:${first.id}`)))[0]!.memo).toContain(`Refund ${first.id}`);
    expect(await buckets(p1)).toMatchObject({ balance_nanos: usd("3.15"), on_hold_nanos: usd("3.15"), payable_nanos: 0n, owed_nanos: 0n });
    expect(await buckets(p2)).toMatchObject({ balance_nanos: usd("1.05"), on_hold_nanos: usd("1.05"), payable_nanos: 0n });

    // The other $5: shortfall 5, but only 4.20 is still held: all of it comes back, the fee part (0.80) is owed.
    const second = await fake.refund(buyer.chargeId, 500);
    await delivered();
    expect(await entries(`clawback:refund:${second.id}`)).toEqual(new Map([[`clawback clawback:refund:${second.id}`, clawbackLines(buyer.organizationId, { [p1]: "3.15", [p2]: "1.05" })]]));
    expect(await buyerBalance(buyer.organizationId)).toBe(-usd("0.80"));
    expect(await buckets(p1)).toMatchObject({ balance_nanos: 0n, on_hold_nanos: 0n, payable_nanos: 0n, owed_nanos: 0n });
    expect(await buckets(p2)).toMatchObject({ balance_nanos: 0n, on_hold_nanos: 0n });

    // Every event again, and the handler by hand: nothing is clawed twice.
    for (const e of [...eventsOf(first.id), ...eventsOf(second.id), ...eventsOf(buyer.chargeId)]) expect(await fake.resend(e.id)).toBe(200);
    await delivered();
    expect(await applyRefund(svc(), first.id)).toMatchObject({ outcome: "applied", posted: [] });
    expect([...(await entries(`clawback:refund:${first.id}`)).keys(), ...(await entries(`clawback:refund:${second.id}`)).keys()]).toHaveLength(2);
    expect(await buyerBalance(buyer.organizationId)).toBe(-usd("0.80"));
  });

  it("a refund of credit not yet spent claws nothing; only the spent part that crosses zero is clawed", async () => {
    const buyer = await paidBuyer("20");
    const p1 = await provider();
    await spend(buyer, p1, "2"); // p1 earns 1.80, balance 18
    const unspent = await fake.refund(buyer.chargeId, 1000);
    await delivered();
    expect(await buyerBalance(buyer.organizationId)).toBe(usd("8"));
    expect(await entries(`clawback:refund:${unspent.id}`)).toEqual(new Map());
    expect(await buckets(p1)).toMatchObject({ on_hold_nanos: usd("1.80") });

    const spent = await fake.refund(buyer.chargeId, 1000);
    await delivered();
    // 8 − 10 = −2 short, 1.80 held: 1.80 back, 0.20 owed.
    expect(await entries(`clawback:refund:${spent.id}`)).toEqual(new Map([[`clawback clawback:refund:${spent.id}`, clawbackLines(buyer.organizationId, { [p1]: "1.80" })]]));
    expect(await buyerBalance(buyer.organizationId)).toBe(-usd("0.20"));
    expect(await buckets(p1)).toMatchObject({ balance_nanos: 0n, on_hold_nanos: 0n });
  });

  it("after the provider was paid (earnings past the hold, then paid out) the platform absorbs it: the provider's lines are untouched and the buyer owes", async () => {
    const buyer = await paidBuyer("20");
    const p1 = await provider();
    await spend(buyer, p1, "15", 8 * 24 * HOUR_MS); // 13.50, past the 7-day hold
    // Another buyer's recent usage keeps 2.70 of p1 on hold: never this buyer's to claw.
    const other = await mp.createBuyer({ credit_usd: "10" });
    await spend(other, p1, "3");
    expect(await buckets(p1)).toMatchObject({ balance_nanos: usd("16.20"), on_hold_nanos: usd("2.70"), payable_nanos: usd("13.50") });
    // Paid: the payable 13.50 (above the $10 minimum) is claimed into a payout (provider_earnings → provider_in_transit).
    await db().insert(connectedAccounts).values({ organizationId: p1, stripeAccountId: `acct_clawback_${p1}`, detailsSubmitted: true, payoutsEnabled: true, transfersCapability: "active" });
    expect(await createPayout(svc(), { organizationId: p1, trigger: "operator", runId: null })).toMatchObject({ outcome: "created", amount_nanos: usd("13.50") });
    const linesBefore = await earningsLines(p1);

    // A second buyer whose old usage (4.50, past the hold, payable) is then disputed.
    const disputer = await paidBuyer("5");
    await spend(disputer, p1, "5", 8 * 24 * HOUR_MS);
    const refund = await fake.refund(buyer.chargeId);
    const dispute = await fake.openDispute(disputer.chargeId);
    await delivered();
    expect(await entries(`clawback:refund:${refund.id}`)).toEqual(new Map());
    expect(await entries(`clawback:dispute:${dispute.id}`)).toEqual(new Map());
    expect(await buyerBalance(buyer.organizationId)).toBe(-usd("15"));
    expect(await buyerBalance(disputer.organizationId)).toBe(-usd("5"));
    const linesAfter = await earningsLines(p1);
    // The second buyer's old request added one line; nothing was taken from any line p1 had.
    const before = new Set(linesBefore.map((l) => l.id));
    expect(linesAfter.filter((l) => before.has(l.id))).toEqual(linesBefore);
    expect(linesAfter.filter((l) => !before.has(l.id)).map((l) => l.amount)).toEqual([usd("4.50")]);
    expect(await buckets(p1)).toMatchObject({ on_hold_nanos: usd("2.70"), payable_nanos: usd("4.50"), in_transit_nanos: usd("13.50") });
    await fake.closeDispute(dispute.id, "lost");
  });

  it("an old clawback whose earnings left the window does not shield the same buyer's later earnings from the next clawback", async () => {
    const buyer = await paidBuyer("20");
    const p1 = await provider();
    await spend(buyer, p1, "15", 8 * 24 * HOUR_MS); // 13.50, already out of the window
    // As if an earlier charge of this buyer was disputed 6 days ago while those 13.50 were still on hold.
    await db().transaction((tx) =>
      postJournalEntry(tx, {
        kind: "clawback",
        idempotencyKey: `clawback:dispute:dp_old_${buyer.organizationId}`,
        at: new Date(Date.now() - 6 * 24 * HOUR_MS),
        lines: [
          { account: "provider_earnings", organizationId: p1, amount_nanos: -usd("13.50") },
          { account: "buyer_balance", organizationId: buyer.organizationId, amount_nanos: usd("13.50") },
        ],
      }),
    );
    await spend(buyer, p1, "18.50"); // 16.65 earned now, on hold; the buyer is at zero
    expect(await buckets(p1)).toMatchObject({ balance_nanos: usd("16.65"), on_hold_nanos: usd("16.65"), payable_nanos: 0n });
    const refund = await fake.refund(buyer.chargeId);
    await delivered();
    // All of the new on-hold earnings come back (the old clawback took from the old earnings, not these).
    expect(await entries(`clawback:refund:${refund.id}`)).toEqual(new Map([[`clawback clawback:refund:${refund.id}`, clawbackLines(buyer.organizationId, { [p1]: "16.65" })]]));
    expect(await buckets(p1)).toMatchObject({ balance_nanos: 0n, on_hold_nanos: 0n, payable_nanos: 0n });
  });

  it("a dispute while on hold claws back; a won dispute releases exactly that, once", async () => {
    const buyer = await paidBuyer("10");
    const [p1, p2] = [await provider(), await provider()];
    await spend(buyer, p1, "6");
    await spend(buyer, p2, "2");
    const dispute = await fake.openDispute(buyer.chargeId);
    await delivered();
    const key = `clawback:dispute:${dispute.id}:withdrawn`;
    const taken = clawbackLines(buyer.organizationId, { [p1]: "5.40", [p2]: "1.80" });
    // 2 − 10 = −8 short; 7.20 held: all of it back, 0.80 owed.
    expect(await entries(key)).toEqual(new Map([[`clawback ${key}`, taken]]));
    expect(await buyerBalance(buyer.organizationId)).toBe(-usd("0.80"));
    expect(await buckets(p1)).toMatchObject({ balance_nanos: 0n, on_hold_nanos: 0n });

    await fake.closeDispute(dispute.id, "won");
    await delivered();
    for (const e of eventsOf(dispute.id)) expect(await fake.resend(e.id)).toBe(200);
    await delivered();
    expect(await applyDispute(svc(), dispute.id)).toMatchObject({ outcome: "applied", posted: [] });
    expect(await entries(key)).toEqual(new Map([[`clawback ${key}`, taken], [`clawback_release ${key}:released`, negated(taken)]]));
    expect(await buyerBalance(buyer.organizationId)).toBe(usd("2"));
    expect(await buckets(p1)).toMatchObject({ balance_nanos: usd("5.40"), on_hold_nanos: usd("5.40"), payable_nanos: 0n });
    expect(await buckets(p2)).toMatchObject({ balance_nanos: usd("1.80"), on_hold_nanos: usd("1.80") });
  });

  it("a lost dispute keeps its clawback", async () => {
    const buyer = await paidBuyer("10");
    const p1 = await provider();
    await spend(buyer, p1, "10"); // 9.00 held, balance 0
    const dispute = await fake.openDispute(buyer.chargeId, 400);
    await delivered();
    await fake.closeDispute(dispute.id, "lost");
    await delivered();
    const key = `clawback:dispute:${dispute.id}:withdrawn`;
    expect(await entries(key)).toEqual(new Map([[`clawback ${key}`, clawbackLines(buyer.organizationId, { [p1]: "4" })]]));
    expect(await buyerBalance(buyer.organizationId)).toBe(0n);
    expect(await buckets(p1)).toMatchObject({ on_hold_nanos: usd("5") });
  });

  it("a failed refund releases its clawback, once, whatever order the events come in", async () => {
    const buyer = await paidBuyer("10");
    const p1 = await provider();
    await spend(buyer, p1, "9"); // 8.10 held, balance 1
    const refund = await fake.refund(buyer.chargeId, 500);
    await delivered();
    const key = `clawback:refund:${refund.id}`;
    const taken = clawbackLines(buyer.organizationId, { [p1]: "4" });
    expect(await entries(key)).toEqual(new Map([[`clawback ${key}`, taken]]));
    expect(await buckets(p1)).toMatchObject({ on_hold_nanos: usd("4.10") });
    expect(await buyerBalance(buyer.organizationId)).toBe(0n);

    await fake.failRefund(refund.id);
    await delivered();
    for (const e of eventsOf(refund.id)) expect(await fake.resend(e.id)).toBe(200);
    await delivered();
    expect(await entries(key)).toEqual(new Map([[`clawback ${key}`, taken], [`clawback_release ${key}:released`, negated(taken)]]));
    expect(await buyerBalance(buyer.organizationId)).toBe(usd("1"));
    expect(await buckets(p1)).toMatchObject({ balance_nanos: usd("8.10"), on_hold_nanos: usd("8.10") });
  });

  it("a refund first seen after it failed, and a dispute first seen after it was won, claw nothing", async () => {
    const buyer = await paidBuyer("10");
    const p1 = await provider();
    await spend(buyer, p1, "9");
    fake.delivery.auto = false;
    const refund = await fake.refund(buyer.chargeId, 500);
    await fake.failRefund(refund.id);
    expect(await applyRefund(svc(), refund.id)).toMatchObject({ outcome: "applied", posted: [`refund:${refund.id}`, `refund:${refund.id}:reversed`] });
    const dispute = await fake.openDispute(buyer.chargeId, 800);
    await fake.closeDispute(dispute.id, "won");
    expect(await applyDispute(svc(), dispute.id)).toMatchObject({ outcome: "applied", posted: [`dispute:${dispute.id}:withdrawn`, `dispute:${dispute.id}:reinstated`] });
    fake.delivery.auto = true;
    await delivered();
    // The payment never stood taken: no clawback, so nothing to release either.
    expect(await entries(`clawback:refund:${refund.id}`)).toEqual(new Map());
    expect(await entries(`clawback:dispute:${dispute.id}`)).toEqual(new Map());
    expect(await buyerBalance(buyer.organizationId)).toBe(usd("1"));
    expect(await buckets(p1)).toMatchObject({ on_hold_nanos: usd("8.10") });
  });

  it("never takes more than the provider has on hold: earnings already payable are final even when this buyer's are younger", async () => {
    const p1 = await provider();
    // Y's usage 6.5 days ago (9.00 held), of which 4 is clawed back now by Y's refund.
    const y = await paidBuyer("10");
    await spend(y, p1, "10", 6.5 * 24 * HOUR_MS);
    const yRefund = await fake.refund(y.chargeId, 400);
    await delivered();
    expect(await entries(`clawback:refund:${yRefund.id}`)).toEqual(new Map([[`clawback clawback:refund:${yRefund.id}`, clawbackLines(y.organizationId, { [p1]: "4" })]]));
    // X's usage now (9.00 held); then, 0.6 days later, Y's usage is past the hold (payable: 9.00) while the
    // clawback that offset it is still inside it, so p1 has only 9 − 4 = 5 on hold although 9 came from X.
    const x = await paidBuyer("10");
    await spend(x, p1, "10");
    const later = new Date(Date.now() + 0.6 * 24 * HOUR_MS);
    const at = (now: Date) => getProviderPayoutBalances(db(), { organizationId: p1, now, policy: payoutPolicy(svc()) });
    expect(await at(later)).toMatchObject({ balance_nanos: usd("14"), on_hold_nanos: usd("5"), payable_nanos: usd("9") });
    fake.delivery.auto = false;
    const xRefund = await fake.refund(x.chargeId);
    expect(await applyRefund({ ...svc(), now: () => later }, xRefund.id)).toMatchObject({ outcome: "applied", posted: [`refund:${xRefund.id}`] });
    // Short 10, 9 from X's requests, but only the 5 on hold comes back; the payable 9 is untouched, X owes 5.
    expect(await entries(`clawback:refund:${xRefund.id}`)).toEqual(new Map([[`clawback clawback:refund:${xRefund.id}`, clawbackLines(x.organizationId, { [p1]: "5" })]]));
    expect(await at(later)).toMatchObject({ balance_nanos: usd("9"), on_hold_nanos: 0n, payable_nanos: usd("9"), owed_nanos: 0n });
    expect(await buyerBalance(x.organizationId)).toBe(-usd("5"));
  });

  it("two refunds of one buyer applied at once claw the combined shortfall, not each its own view of it", async () => {
    const buyer = await paidBuyer("10");
    const p1 = await provider();
    await spend(buyer, p1, "8"); // 7.20 held, balance 2
    fake.delivery.auto = false;
    const a = await fake.refund(buyer.chargeId, 500);
    const b = await fake.refund(buyer.chargeId, 500);
    await Promise.all([applyRefund(svc(), a.id), applyRefund(svc(), b.id)]);
    // 2 − 10 = −8 short in all; 7.20 held: all of it, whichever refund came first (one reading the other's
    // balance uncommitted would see only −3 each, 6 in all).
    const clawed = await db()
      .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(and(eq(ledgerLines.account, "buyer_balance"), inArray(journalEntries.idempotencyKey, [`clawback:refund:${a.id}`, `clawback:refund:${b.id}`])));
    expect(BigInt(clawed[0]!.total)).toBe(usd("7.20"));
    expect(await buyerBalance(buyer.organizationId)).toBe(-usd("0.80"));
    expect(await buckets(p1)).toMatchObject({ balance_nanos: 0n, on_hold_nanos: 0n });
  });

  it("a real request through the gateway: a full refund takes back what its provider earned; the buyer owes the fee", async () => {
    const served = await mp.createProvider();
    await mp.startAgent({ agentToken: served.agentToken, askUsdPerSecond: "0.001", slots: 2 });
    const buyer = await paidBuyer("5");
    const { response } = await new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 }).chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "Hello" }], max_tokens: 8, temperature: 0 }).withResponse();
    await mp.settled();
    const [row] = await db().select().from(requests).where(eq(requests.id, response.headers.get("x-spotlane-request-id")!));
    expect(row).toMatchObject({ organizationId: buyer.organizationId, providerOrganizationId: served.organizationId });
    expect(row!.providerEarningsNanos).toBeGreaterThan(0n);
    expect(await buckets(served.organizationId)).toMatchObject({ on_hold_nanos: row!.providerEarningsNanos });

    const refund = await fake.refund(buyer.chargeId);
    await delivered();
    const key = `clawback:refund:${refund.id}`;
    expect(await entries(key)).toEqual(new Map([[`clawback ${key}`, { [`buyer_balance:${buyer.organizationId}`]: row!.providerEarningsNanos, [`provider_earnings:${served.organizationId}`]: -row!.providerEarningsNanos }]]));
    expect(await buyerBalance(buyer.organizationId)).toBe(-row!.platformFeeNanos);
    expect(await buckets(served.organizationId)).toMatchObject({ balance_nanos: 0n, on_hold_nanos: 0n });
  });
});
