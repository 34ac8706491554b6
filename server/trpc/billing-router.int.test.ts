import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { ledgerLines, members, organizationBilling, sessions, stripeInvoices } from "../../db/schema";
import { usdToNanos } from "../../lib/money";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { startFakeStripe, type FakeStripe } from "../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { createAuth } from "../auth/auth";
import { postJournalEntry } from "../billing/post-journal-entry";
import type { ServiceContext } from "../context";
import { readEnv } from "../env";
import { setRuntime, type Runtime } from "../runtime";
import { createTRPCContext } from "./init";
import { createCaller } from "./root";

const USD = (s: string) => usdToNanos(s);

async function signUp(runtime: Runtime, name: string): Promise<{ headers: Headers; userId: string; organizationId: string }> {
  const email = `${name}-${randomBytes(4).toString("hex")}@test.local`;
  const { headers, response } = await runtime.auth.api.signUpEmail({ body: { email, password: "password123", name }, returnHeaders: true });
  const userId = (response as { user: { id: string } }).user.id;
  const [m] = await runtime.database.db.select({ organizationId: members.organizationId }).from(members).where(eq(members.userId, userId));
  return { headers: new Headers({ cookie: headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") }), userId, organizationId: m!.organizationId };
}

async function callerFor(headers: Headers) {
  return createCaller(await createTRPCContext({ headers }));
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e: unknown) => (e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`),
  );
}

/** The checkout session id a Checkout URL of the fake names (`…/checkout/pay/<cs_id>`). */
const sessionIdOf = (checkoutUrl: string) => new URL(checkoutUrl).pathname.split("/").pop()!;

describe.each(DB_KINDS)("billing router on %s", (kind) => {
  describe("without Stripe (the embedded default)", () => {
    let database: Database;
    let runtime: Runtime;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      const baseUrl = "http://127.0.0.1:3999";
      const services: ServiceContext = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: USD("5") };
      const auth = createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl, testCreditNanos: services.test_credit_nanos, mode: "test" });
      runtime = { env: readEnv({ LOG_LEVEL: "silent" }), baseUrl, database, auth, services };
      setRuntime(runtime);
    });
    afterAll(async () => {
      setRuntime(undefined);
      await database?.close();
    });

    it("says it is a local test balance and refuses to take money", async () => {
      const admin = await callerFor((await signUp(runtime, "admin")).headers);
      const overview = await admin.billing.overview();
      expect(overview).toMatchObject({ stripe_configured: false, mode: "test_credit", balance_nanos: USD("5"), available_nanos: USD("5"), receivable_nanos: 0n, top_up_min_nanos: null, auto_top_up: null, invoicing: null });
      // The service refuses without keys (FORBIDDEN with a sentence), not an internal error.
      await expect(admin.billing.createTopUp({ amount_usd: "20" })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/not configured/) });
      const { lines } = await admin.billing.balanceLines({ limit: 10 });
      expect(lines.map((l) => [l.kind, l.amount_nanos, l.balance_after_nanos])).toEqual([["test_credit_grant", USD("5"), USD("5")]]);
    });
  });

  describe("with Stripe (the fake)", () => {
    let fake: FakeStripe;
    let mp: TestMarketplace;
    let runtime: Runtime;

    beforeAll(async () => {
      fake = await startFakeStripe();
      fake.delivery.duplicates = 1;
      fake.delivery.shuffle = true;
      mp = await startTestMarketplace(kind, { env: { ...fake.env(), TEST_CREDIT_USD: "5" } });
      fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
      runtime = mp.server.runtime;
    });
    afterAll(async () => {
      await mp?.close();
      await fake?.close();
    });

    async function payTopUp(caller: Awaited<ReturnType<typeof callerFor>>, amount_usd: string) {
      const { checkout_url, top_up_id } = await caller.billing.createTopUp({ amount_usd });
      expect(checkout_url.startsWith(fake.apiBase)).toBe(true);
      const paid = await fake.payCheckout(sessionIdOf(checkout_url), "card");
      expect(paid.error).toBeNull();
      // The success URL carries the real session id (Stripe substitutes {CHECKOUT_SESSION_ID}).
      const back = new URL(paid.redirect_url!);
      expect(back.pathname).toBe("/dashboard/billing");
      return { top_up_id, session_id: back.searchParams.get("session_id")! };
    }

    it("tops up through Checkout: confirmed on the success URL, credited once despite every webhook arriving twice, shuffled", async () => {
      const a = await signUp(runtime, "lead");
      const admin = await callerFor(a.headers);
      // Stripe mode: no test credit, even with TEST_CREDIT_USD set.
      expect(await admin.billing.overview()).toMatchObject({ stripe_configured: true, mode: "prepaid", balance_nanos: 0n, top_up_min_nanos: USD("5"), top_up_max_nanos: USD("10000"), invoicing: null });

      const { top_up_id, session_id } = await payTopUp(admin, "20");
      const confirmed = await admin.billing.confirmTopUp({ session_id });
      expect(confirmed).toMatchObject({ topUpId: top_up_id, status: "paid" });
      await fake.flushWebhooks();
      await mp.stripeIdle();
      const completed = fake.events().find((e) => e.type === "checkout.session.completed" && (e.data.object as { id: string }).id === session_id)!;
      expect(fake.deliveries().filter((d) => d.eventId === completed.id && d.status === 200).length).toBeGreaterThanOrEqual(2);
      // Again, as a reload of the success page would: nothing more.
      expect(await admin.billing.confirmTopUp({ session_id })).toMatchObject({ status: "paid", credited_now: false });

      const overview = await admin.billing.overview();
      expect(overview).toMatchObject({ balance_nanos: USD("20"), available_nanos: USD("20"), receivable_nanos: 0n });
      expect(overview.auto_top_up).toMatchObject({ enabled: false, has_payment_method: true });
      const [topUp] = await admin.billing.topUps();
      expect(topUp).toMatchObject({ id: top_up_id, status: "paid", amount_nanos: USD("20"), checkout_url: null });
      expect(topUp!.receipt_url).toMatch(/^http/);
      const { lines, next_cursor } = await admin.billing.balanceLines({ limit: 50 });
      expect(next_cursor).toBeNull();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ kind: "top_up", amount_nanos: USD("20"), balance_after_nanos: USD("20"), top_up_id, request_id: null });
      expect(lines[0]!.stripe_payment_intent_id).toMatch(/^pi_/);
      expect(lines[0]!.stripe_charge_id).toMatch(/^ch_/);

      // A partial refund: listed, and a balance line keyed by the refund, pointing at the top-up and its charge.
      await fake.refund(lines[0]!.stripe_charge_id!, 500);
      await fake.flushWebhooks();
      await mp.stripeIdle();
      expect((await admin.billing.adjustments()).map((x) => [x.kind, x.amount_nanos, x.top_up_id])).toEqual([["refund", USD("5"), top_up_id]]);
      const after = await admin.billing.balanceLines({ limit: 50 });
      expect(after.lines.map((l) => [l.kind, l.amount_nanos, l.balance_after_nanos])).toEqual([
        ["refund", -USD("5"), USD("15")],
        ["top_up", USD("20"), USD("20")],
      ]);
      expect(after.lines[0]).toMatchObject({ top_up_id, stripe_charge_id: lines[0]!.stripe_charge_id, stripe_object_id: expect.stringMatching(/^re_/) });
      expect((await admin.billing.overview()).balance_nanos).toBe(USD("15"));

      // Another organization's admin cannot confirm (or even learn about) this session.
      const other = await callerFor((await signUp(runtime, "other")).headers);
      expect(await codeOf(other.billing.confirmTopUp({ session_id }))).toBe("NOT_FOUND");
      expect((await other.billing.overview()).balance_nanos).toBe(0n);
    });

    it("validates amounts with the bounds in words, and lets only admins move money", async () => {
      const a = await signUp(runtime, "lead");
      const admin = await callerFor(a.headers);
      await expect(admin.billing.createTopUp({ amount_usd: "4.99" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("$5.00") });
      await expect(admin.billing.createTopUp({ amount_usd: "20.001" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("whole cents") });
      await expect(admin.billing.setAutoTopUp({ enabled: false, threshold_usd: "5", amount_usd: "0.10" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
      // Turning auto top-up on needs a card saved by a paid Checkout.
      await expect(admin.billing.setAutoTopUp({ enabled: true, threshold_usd: "5", amount_usd: "20" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/top-up by card first/i) });

      const roles: Record<string, Awaited<ReturnType<typeof callerFor>>> = {};
      for (const role of ["finance", "buyer"] as const) {
        const u = await signUp(runtime, role);
        await runtime.database.db.update(members).set({ organizationId: a.organizationId, role }).where(eq(members.userId, u.userId));
        await runtime.database.db.update(sessions).set({ activeOrganizationId: a.organizationId }).where(eq(sessions.userId, u.userId));
        roles[role] = await callerFor(u.headers);
      }
      expect(await codeOf(roles.finance!.billing.overview())).toBe("ok");
      expect(await codeOf(roles.finance!.billing.balanceLines({ limit: 5 }))).toBe("ok");
      expect(await codeOf(roles.finance!.billing.createTopUp({ amount_usd: "20" }))).toBe("FORBIDDEN");
      expect(await codeOf(roles.finance!.billing.setAutoTopUp({ enabled: false, threshold_usd: "5", amount_usd: "20" }))).toBe("FORBIDDEN");
      expect(await codeOf(roles.buyer!.billing.overview())).toBe("FORBIDDEN");
      expect(await codeOf(roles.buyer!.billing.topUps())).toBe("FORBIDDEN");
    });

    it("turns auto top-up on once a paid Checkout saved the card", async () => {
      const admin = await callerFor((await signUp(runtime, "lead")).headers);
      const { session_id } = await payTopUp(admin, "25.50");
      await admin.billing.confirmTopUp({ session_id });
      // Threshold below the balance: the worker has nothing to charge.
      const saved = await admin.billing.setAutoTopUp({ enabled: true, threshold_usd: "5", amount_usd: "20" });
      expect(saved).toMatchObject({ enabled: true, threshold_nanos: USD("5"), amount_nanos: USD("20"), has_payment_method: true, disabled_reason: null });
      const overview = await admin.billing.overview();
      expect(overview.balance_nanos).toBe(USD("25.50"));
      expect(overview.auto_top_up).toMatchObject({ enabled: true, card: { last4: expect.stringMatching(/^\d{4}$/) } });
    });

    it("pages the ledger lines newest first with an exact running balance, and shows a negative balance as owed", async () => {
      const a = await signUp(runtime, "ledger");
      const admin = await callerFor(a.headers);
      const db = runtime.database.db;
      const base = Date.UTC(2026, 0, 1);
      // Seven entries, two at the same instant (ordered by id then), ending below zero: +10, −3, −3, +1, −20, +2, −0.000000001.
      const amounts = [USD("10"), -USD("3"), -USD("3"), USD("1"), -USD("20"), USD("2"), -1n];
      const times = [0, 1, 1, 2, 3, 4, 5].map((s) => new Date(base + s * 1000));
      for (const [i, amount] of amounts.entries()) {
        await postJournalEntry(db, {
          kind: amount > 0n ? "top_up" : "refund",
          idempotencyKey: `test-ledger:${a.organizationId}:${i}`,
          at: times[i]!,
          lines: [
            { account: "buyer_balance", organizationId: a.organizationId, amount_nanos: amount },
            { account: "stripe_clearing", organizationId: null, amount_nanos: -amount },
          ],
        });
      }
      const total = amounts.reduce((s, x) => s + x, 0n);
      const seen: { id: string; amount_nanos: bigint; balance_after_nanos: bigint; at: Date }[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const page: Awaited<ReturnType<typeof admin.billing.balanceLines>> = await admin.billing.balanceLines({ cursor, limit: 3 });
        seen.push(...page.lines);
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      expect(seen).toHaveLength(7);
      expect(new Set(seen.map((l) => l.id)).size).toBe(7);
      expect(seen[0]!.balance_after_nanos).toBe(total);
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.at.getTime()).toBeLessThanOrEqual(seen[i - 1]!.at.getTime());
        expect(seen[i]!.balance_after_nanos).toBe(seen[i - 1]!.balance_after_nanos - seen[i - 1]!.amount_nanos);
      }
      expect(seen.at(-1)!.balance_after_nanos - seen.at(-1)!.amount_nanos).toBe(0n);
      expect(seen.map((l) => l.amount_nanos).sort()).toEqual([...amounts].sort());

      const overview = await admin.billing.overview();
      expect(total).toBe(-USD("13") - 1n);
      expect(overview).toMatchObject({ balance_nanos: total, receivable_nanos: -total });
      expect(overview.available_nanos).toBe(total);

      // A foreign cursor (this organization's line, handed to another) gives nothing.
      const other = await callerFor((await signUp(runtime, "nosy")).headers);
      expect(await other.billing.balanceLines({ cursor: seen[3]!.id, limit: 10 })).toEqual({ lines: [], next_cursor: null });
      expect(await codeOf(other.billing.balanceLines({ cursor: "not-a-line", limit: 10 }))).toBe("BAD_REQUEST");
      const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(ledgerLines).where(and(eq(ledgerLines.organizationId, a.organizationId), eq(ledgerLines.account, "buyer_balance")));
      expect(count!.n).toBe(7);
    });

    it("shows an invoiced organization its credit limit, standing and invoices, and nobody else's", async () => {
      const a = await signUp(runtime, "invoiced");
      const admin = await callerFor(a.headers);
      const db = runtime.database.db;
      await db.insert(organizationBilling).values({ organizationId: a.organizationId, mode: "invoiced", creditLimitNanos: USD("500"), standing: "past_due", standingReason: "Invoice in_test_1 payment failed" });
      await db.insert(stripeInvoices).values({ id: `in_${randomBytes(6).toString("hex")}`, organizationId: a.organizationId, status: "open", amountDueNanos: USD("12.34"), stripeCreatedAt: new Date() });
      const overview = await admin.billing.overview();
      expect(overview).toMatchObject({ mode: "invoiced", invoicing: { credit_limit_nanos: USD("500"), standing: "past_due", standing_reason: "Invoice in_test_1 payment failed" } });
      const invoices = await admin.billing.invoices();
      expect(invoices.map((i) => [i.status, i.amount_due_nanos, i.amount_paid_nanos])).toEqual([["open", USD("12.34"), 0n]]);
      const other = await callerFor((await signUp(runtime, "other")).headers);
      expect(await other.billing.invoices()).toEqual([]);
    });
  });
});
