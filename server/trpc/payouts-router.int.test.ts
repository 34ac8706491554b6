import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { members, payouts, sessions } from "../../db/schema";
import { newId } from "../../lib/ids";
import { NANOS_PER_CENT, usdToNanos } from "../../lib/money";
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

const callerFor = async (headers: Headers) => createCaller(await createTRPCContext({ headers }));

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e: unknown) => (e instanceof TRPCError ? `${e.code}: ${e.message}` : `not a TRPCError: ${String(e)}`),
  );
}

const thisMonth = () => new Date().toISOString().slice(0, 7);
const nextMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 7);
};

describe.each(DB_KINDS)("payouts router on %s", (kind) => {
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

    it("shows earnings and statements, says payouts are not configured, and refuses Connect actions with a sentence", async () => {
      const admin = await callerFor((await signUp(runtime, "provider")).headers);
      expect(await admin.payouts.account()).toMatchObject({ stripe_configured: false, state: "not_started", stripe_account_id: null });
      const b = await admin.payouts.balances();
      expect(b).toMatchObject({ stripe_configured: false, balance_nanos: 0n, payable_nanos: 0n, next_run_at: null, early: { allowed: false, amount_nanos: null } });
      expect(b.early.reason).toMatch(/not configured/);
      for (const call of [admin.payouts.startOnboarding(), admin.payouts.expressDashboardLink(), admin.payouts.syncAccount(), admin.payouts.requestEarlyPayout()]) {
        expect(await codeOf(call)).toMatch(/^PRECONDITION_FAILED: Payouts are not configured/);
      }
      const statement = await admin.payouts.statement({ month: thisMonth() });
      expect(statement).toMatchObject({ month: thisMonth(), opening_balance_nanos: 0n, closing_balance_nanos: 0n, lines: [] });
      const csv = await admin.payouts.statementCsv({ month: thisMonth() });
      expect(csv.filename).toBe(`spotlane-statement-${thisMonth()}.csv`);
      expect(csv.csv.split("\n")[0]).toMatch(/^row_type,/);
      expect((await admin.payouts.history({})).payouts).toEqual([]);
    });

    // (A server-side caller sees zod's own message; the HTTP error formatter turns it into a sentence for the page.)
    it("validates every input with ranges: months, days, 92-day series, cursors, limits", async () => {
      const admin = await callerFor((await signUp(runtime, "validator")).headers);
      expect(await codeOf(admin.payouts.statement({ month: nextMonth() }))).toMatch(/^BAD_REQUEST: month: .* has not started yet/);
      for (const month of ["2026-13", "2026-1", "1999-12", "2026-11-01", ""]) expect(await codeOf(admin.payouts.statementCsv({ month })), month).toMatch(/^BAD_REQUEST/);
      expect(await codeOf(admin.payouts.earningsSeries({ from: "2026-01-01", to: "2026-04-04", by: "model" }))).toMatch(/^BAD_REQUEST: [\s\S]*at most 92 days/);
      expect(await codeOf(admin.payouts.earningsSeries({ from: "2026-01-01", to: "2026-04-03", by: "model" }))).toBe("ok");
      expect(await codeOf(admin.payouts.earningsSeries({ from: "2026-02-01", to: "2026-02-31", by: "machine" }))).toMatch(/^BAD_REQUEST: [\s\S]*not a calendar day/);
      expect(await codeOf(admin.payouts.earningsSeries({ from: "2026-02-02", to: "2026-02-01", by: "machine" }))).toMatch(/^BAD_REQUEST: [\s\S]*to must be after from/);
      expect(await codeOf(admin.payouts.earningsSeries({ from: "2026-02-01", to: "2026-02-02", by: "gpu" as "model" }))).toMatch(/^BAD_REQUEST/);
      expect(await codeOf(admin.payouts.history({ cursor: "po_123" }))).toMatch(/^BAD_REQUEST: [\s\S]*not a page cursor/);
      expect(await codeOf(admin.payouts.history({ limit: 101 }))).toMatch(/^BAD_REQUEST/);
      expect(await codeOf(admin.payouts.history({ limit: 0 }))).toMatch(/^BAD_REQUEST/);
    });

    it("providers act, finance members read, buyers get nothing", async () => {
      const lead = await signUp(runtime, "lead");
      const member = async (role: string) => {
        const u = await signUp(runtime, role);
        await database.db.update(members).set({ organizationId: lead.organizationId, role }).where(eq(members.userId, u.userId));
        await database.db.update(sessions).set({ activeOrganizationId: lead.organizationId }).where(eq(sessions.userId, u.userId));
        return callerFor(u.headers);
      };
      const finance = await member("finance");
      const buyer = await member("buyer");
      expect(await codeOf(finance.payouts.balances())).toBe("ok");
      expect(await codeOf(finance.payouts.statement({ month: thisMonth() }))).toBe("ok");
      expect(await codeOf(finance.payouts.startOnboarding())).toMatch(/^FORBIDDEN: This needs the provider role/);
      expect(await codeOf(finance.payouts.requestEarlyPayout())).toMatch(/^FORBIDDEN/);
      expect(await codeOf(buyer.payouts.account())).toMatch(/^FORBIDDEN: This needs the provider or finance role/);
      expect(await codeOf(buyer.payouts.statementCsv({ month: thisMonth() }))).toMatch(/^FORBIDDEN/);
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
      fake.addPlatformFunds(1_000_00);
      mp = await startTestMarketplace(kind, {
        env: { ...fake.env(), PAYOUT_HOLD_DAYS: "7", PAYOUT_MINIMUM_USD: "1", PAYOUT_EARLY_INTERVAL_HOURS: "24", PAYOUT_CHECK_MS: "3600000" },
        verification: "trust",
      });
      fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
      runtime = mp.server.runtime;
    });
    afterAll(async () => {
      await mp?.close();
      await fake?.close();
    });

    /** Earnings settled `ago_ms` ago (the ledger line's time is what the hold looks at). */
    const earn = async (organizationId: string, buyerOrganizationId: string, usd: string, ago_ms: number) => {
      const amount_nanos = USD(usd);
      await postJournalEntry(runtime.services.db, {
        kind: "request_settlement",
        idempotencyKey: `test_earn:${newId("journalEntry")}`,
        at: new Date(Date.now() - ago_ms),
        lines: [
          { account: "buyer_balance", organizationId: buyerOrganizationId, amount_nanos: -amount_nanos },
          { account: "provider_earnings", organizationId, amount_nanos },
        ],
      });
    };

    it("onboards, shows what is on hold and payable, pays early once (rate limited), and the history and statement agree", async () => {
      const p = await signUp(runtime, "provider");
      const provider = await callerFor(p.headers);
      const buyer = await mp.createBuyer({ credit_usd: "0" });

      expect(await provider.payouts.account()).toMatchObject({ stripe_configured: true, state: "not_started" });
      let b = await provider.payouts.balances();
      expect(b).toMatchObject({ stripe_configured: true, minimum_nanos: USD("1"), hold_days: 7, run_interval_hours: 168, early: { allowed: false } });
      expect(b.next_run_at).toBeInstanceOf(Date);
      expect(b.early.reason).toMatch(/finish setting up payouts/);
      // The Express dashboard needs a finished onboarding: refused in words, not an internal error.
      expect(await codeOf(provider.payouts.expressDashboardLink())).toMatch(/^(CONFLICT|FORBIDDEN): /);

      const { url } = await provider.payouts.startOnboarding();
      expect(url.startsWith(fake.apiBase)).toBe(true);
      const account = await provider.payouts.account();
      expect(account.state).toBe("onboarding");
      expect(account.stripe_account_id).toMatch(/^acct_/);
      // Stripe's hosted form submitted; back on the return URL the page re-reads the account before any webhook.
      fake.setWebhookUrl(null);
      await fake.completeOnboarding(account.stripe_account_id!, { tax: true });
      expect(await provider.payouts.syncAccount()).toMatchObject({ state: "enabled", payouts_enabled: true, tax: { status: "on_file" } });
      fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
      expect((await provider.payouts.expressDashboardLink()).url).toMatch(/^http/);

      // $3.004 earned 8 days ago (payable), $2 an hour ago (on hold).
      await earn(p.organizationId, buyer.organizationId, "3.0045", 8 * 86_400_000);
      await earn(p.organizationId, buyer.organizationId, "2", 3_600_000);
      b = await provider.payouts.balances();
      expect(b).toMatchObject({ balance_nanos: USD("5.0045"), on_hold_nanos: USD("2"), payable_nanos: USD("3.0045"), owed_nanos: 0n, in_transit_nanos: 0n, paid_out_nanos: 0n });
      expect(b.early).toEqual({ allowed: true, reason: null, next_allowed_at: null, amount_nanos: USD("3") });

      const early = await provider.payouts.requestEarlyPayout();
      expect(early.amount_nanos).toBe(USD("3"));
      // Once a day: the second ask is refused with when it is allowed again, and the card says so too.
      expect(await codeOf(provider.payouts.requestEarlyPayout())).toMatch(/^(TOO_MANY_REQUESTS|CONFLICT): /);
      b = await provider.payouts.balances();
      expect(b.early.allowed).toBe(false);
      expect(b.early.reason).not.toBeNull();

      // The job sends the transfer; the history shows it with its Stripe id, newest first.
      const deadline = Date.now() + 30_000;
      let row = (await provider.payouts.history({})).payouts[0]!;
      while (row.status === "pending" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        row = (await provider.payouts.history({})).payouts[0]!;
      }
      expect(row).toMatchObject({ id: early.payoutId, trigger: "early", amount_nanos: USD("3"), amount_reversed_nanos: 0n });
      expect(["transferred", "paid"]).toContain(row.status);
      expect(row.stripe_transfer_id).toMatch(/^tr_/);
      const transfer = fake.transfers().find((t) => t.id === row.stripe_transfer_id)!;
      expect(BigInt(transfer.amount) * NANOS_PER_CENT).toBe(USD("3"));
      expect(transfer.transfer_group).toBe(early.payoutId);

      // The statement: opening 0 this month (everything was earned after its start, or before: then the opening holds it).
      const s = await provider.payouts.statement({ month: thisMonth() });
      const linesSum = s.lines.reduce((sum, l) => sum + l.amount_nanos, 0n);
      expect(s.opening_balance_nanos + linesSum).toBe(s.closing_balance_nanos);
      expect(s.closing_balance_nanos).toBe((await provider.payouts.balances()).balance_nanos);
      expect(s.lines.filter((l) => l.kind === "payout").map((l) => l.amount_nanos)).toEqual([-USD("3")]);
      // Another organization's page shows none of it.
      const other = await callerFor((await signUp(runtime, "other")).headers);
      expect((await other.payouts.history({})).payouts).toEqual([]);
      expect(await other.payouts.balances()).toMatchObject({ balance_nanos: 0n, payable_nanos: 0n });
      const [stored] = await runtime.services.db.select({ organizationId: payouts.organizationId }).from(payouts).where(eq(payouts.id, early.payoutId));
      expect(stored!.organizationId).toBe(p.organizationId);
    });
  });
});
