// Every tRPC procedure × every kind of caller × two organizations (issue 8, "Then go looking").
// Procedures are enumerated from appRouter itself, so one added later without an entry in MATRIX
// fails here: whoever adds it must decide who may call it. Each caller is a real better-auth session
// on a real database; organization B's admin is handed organization A's ids. No call may answer
// INTERNAL_SERVER_ERROR, and no error message may carry internal details.
import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, eq, isNull } from "drizzle-orm";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { agentTokens, apiKeys, ledgerLines, members, organizations, sessions, standingBids } from "../../db/schema";
import { usdToNanos } from "../../lib/money";
import { createAuth } from "../../server/auth/auth";
import type { ServiceContext } from "../../server/context";
import { readEnv } from "../../server/env";
import { setRuntime, type Runtime } from "../../server/runtime";
import { createTRPCContext } from "../../server/trpc/init";
import { appRouter, createCaller } from "../../server/trpc/root";
import { DB_KINDS, createTestDatabase } from "../database";
import { seedOffer } from "../market-fixtures";
import { internalDetailIn } from "./money-invariants";

type Caller = "anonymous" | "no_org" | "buyer" | "provider" | "finance" | "admin" | "operator";
const CALLERS: Caller[] = ["anonymous", "no_org", "buyer", "provider", "finance", "admin", "operator"];

/** Who may call a procedure: any signed-in user, members with one of these roles (admin implies all), or platform operators. */
type Access = { signedIn: true } | { roles: ("buyer" | "provider" | "finance" | "admin")[] } | { operator: true };

type Fixtures = {
  orgA: string;
  /** Org A's resources that A's own callers act on (and may consume: revoke, update). */
  a: { revocableKeyId: string; settingsKeyId: string; revocableTokenId: string; offerId: string };
  /** Org A's resources only organization B's admin is handed; they must come out untouched. */
  guarded: { keyId: string; tokenId: string; balanceLineId: string };
};

type Entry = {
  access: Access;
  /** Input for a call on the caller's own organization (or A's ids for A's members). */
  input?: (f: Fixtures) => unknown;
  /** What an allowed caller gets with `input` (default: success). */
  allowed?: "ok" | TRPCError["code"];
  /**
   * Organization B's admin calling with A's ids: the code it must get, or "ok" when the procedure only
   * ever reads or writes the caller's own organization (then the answer must not mention A at all).
   */
  crossOrg: { input?: (f: Fixtures) => unknown; expect: "ok" | TRPCError["code"] } | "not_org_scoped";
  /** Not yet in appRouter (another change adds it): its entry is kept ready and not checked. */
  pending?: boolean;
};

const MODEL = "matrix-model:q4_k_m";
const market = { model_id: MODEL, hardware_class: "cpu" };

/**
 * The decision table. Adding a procedure means adding its row here (the first test fails until then).
 */
const MATRIX: Record<string, Entry> = {
  "buyer.balance": { access: { roles: ["buyer"] }, crossOrg: { expect: "ok" } },
  "buyer.apiKeys.list": { access: { roles: ["buyer"] }, crossOrg: { expect: "ok" } },
  "buyer.apiKeys.create": { access: { roles: ["buyer"] }, input: () => ({ name: "matrix" }), crossOrg: { input: () => ({ name: "matrix-b" }), expect: "ok" } },
  "buyer.apiKeys.revoke": { access: { roles: ["buyer"] }, input: (f) => ({ id: f.a.revocableKeyId }), crossOrg: { input: (f) => ({ id: f.guarded.keyId }), expect: "NOT_FOUND" } },
  "buyer.apiKeys.updateSettings": {
    access: { roles: ["buyer"] },
    input: (f) => ({ id: f.a.settingsKeyId, rate_limit_per_minute: 600 }),
    crossOrg: { input: (f) => ({ id: f.guarded.keyId, rate_limit_per_minute: 1, monthly_spend_limit_usd: "0" }), expect: "NOT_FOUND" },
  },
  "buyer.requests.recent": { access: { roles: ["buyer"] }, crossOrg: { expect: "ok" } },
  "standingBids.list": { access: { roles: ["buyer"] }, crossOrg: { expect: "ok" } },
  "standingBids.set": { access: { roles: ["buyer"] }, input: () => ({ model_id: MODEL, max_price_usd_per_second: "0.0002" }), crossOrg: { input: () => ({ model_id: MODEL, max_price_usd_per_second: "0.000001" }), expect: "ok" } },
  "standingBids.remove": { access: { roles: ["buyer"] }, input: () => ({ model_id: "matrix-nothing" }), crossOrg: { input: () => ({ model_id: MODEL }), expect: "ok" } },
  "provider.agentTokens.list": { access: { roles: ["provider"] }, crossOrg: { expect: "ok" } },
  "provider.agentTokens.create": { access: { roles: ["provider"] }, input: () => ({ name: "matrix" }), crossOrg: { input: () => ({ name: "matrix-b" }), expect: "ok" } },
  "provider.agentTokens.revoke": { access: { roles: ["provider"] }, input: (f) => ({ id: f.a.revocableTokenId }), crossOrg: { input: (f) => ({ id: f.guarded.tokenId }), expect: "NOT_FOUND" } },
  "provider.machines": { access: { roles: ["provider"] }, crossOrg: { expect: "ok" } },
  "provider.earnings": { access: { roles: ["provider"] }, crossOrg: { expect: "ok" } },
  "provider.offerHistory": { access: { roles: ["provider"] }, input: (f) => ({ offerId: f.a.offerId }), crossOrg: { input: (f) => ({ offerId: f.a.offerId }), expect: "NOT_FOUND" } },
  "market.offers": { access: { signedIn: true }, crossOrg: "not_org_scoped" },
  "market.markets": { access: { signedIn: true }, crossOrg: "not_org_scoped" },
  "market.history": { access: { signedIn: true }, input: () => market, crossOrg: "not_org_scoped" },
  "market.depth": { access: { signedIn: true }, input: () => market, crossOrg: "not_org_scoped" },
  "operations.deadLetters": { access: { operator: true }, crossOrg: "not_org_scoped" },
  "operations.replayDeadLetters": { access: { operator: true }, input: () => ({}), crossOrg: "not_org_scoped" },
  "operations.stripeEvents": { access: { operator: true }, crossOrg: "not_org_scoped" },
  "operations.refundTopUp": { access: { operator: true }, input: () => ({ top_up_id: "tu_not_an_id", request_key: "matrix-action-0001" }), allowed: "BAD_REQUEST", crossOrg: "not_org_scoped" },
  "operations.retryStripeEvents": { access: { operator: true }, input: () => ({ event_ids: ["evt_not_stored"] }), crossOrg: "not_org_scoped" },
  "operations.invoicing": { access: { operator: true }, crossOrg: "not_org_scoped" },
  // Prepaid with no limit: what A already is (no Stripe here), so the allowed call changes nothing.
  "operations.setOrganizationBilling": { access: { operator: true }, input: (f) => ({ organization_id: f.orgA, mode: "prepaid", credit_limit_usd: "0" }), crossOrg: "not_org_scoped" },
  // Closing needs the id of the active organization: a mismatched id proves the gate without closing anything.
  // Billing (issue #9). No Stripe keys here: mutations are checked by an input each schema refuses (the role gate runs first).
  "billing.overview": { access: { roles: ["finance"] }, crossOrg: { expect: "ok" } },
  "billing.topUps": { access: { roles: ["finance"] }, crossOrg: { expect: "ok" } },
  "billing.createTopUp": { access: { roles: ["admin"] }, input: () => ({ amount_usd: "20.001" }), allowed: "BAD_REQUEST", crossOrg: { expect: "BAD_REQUEST" } },
  "billing.confirmTopUp": { access: { roles: ["admin"] }, input: () => ({ session_id: "not-a-session" }), allowed: "BAD_REQUEST", crossOrg: { expect: "BAD_REQUEST" } },
  "billing.setAutoTopUp": { access: { roles: ["admin"] }, input: () => ({ enabled: true, threshold_usd: "5", amount_usd: "twenty" }), allowed: "BAD_REQUEST", crossOrg: { expect: "BAD_REQUEST" } },
  // A's own ledger line as B's cursor: an empty page, never A's lines.
  "billing.balanceLines": { access: { roles: ["finance"] }, input: () => ({ cursor: `ll_${"0".repeat(26)}`, limit: 10 }), crossOrg: { input: (f) => ({ cursor: f.guarded.balanceLineId, limit: 10 }), expect: "ok" } },
  "billing.adjustments": { access: { roles: ["finance"] }, crossOrg: { expect: "ok" } },
  "billing.invoices": { access: { roles: ["finance"] }, crossOrg: { expect: "ok" } },
  // Payouts (issue #10). No Stripe here: Connect actions answer PRECONDITION_FAILED with a sentence (after the role gate);
  // reads work without Stripe (earnings and statements come from the ledger). Finance members read a provider's books.
  "payouts.account": { access: { roles: ["provider", "finance"] }, crossOrg: { expect: "ok" } },
  "payouts.startOnboarding": { access: { roles: ["provider"] }, allowed: "PRECONDITION_FAILED", crossOrg: { expect: "PRECONDITION_FAILED" } },
  "payouts.expressDashboardLink": { access: { roles: ["provider"] }, allowed: "PRECONDITION_FAILED", crossOrg: { expect: "PRECONDITION_FAILED" } },
  "payouts.syncAccount": { access: { roles: ["provider"] }, allowed: "PRECONDITION_FAILED", crossOrg: { expect: "PRECONDITION_FAILED" } },
  "payouts.requestEarlyPayout": { access: { roles: ["provider"] }, allowed: "PRECONDITION_FAILED", crossOrg: { expect: "PRECONDITION_FAILED" } },
  "payouts.balances": { access: { roles: ["provider", "finance"] }, crossOrg: { expect: "ok" } },
  // A cursor no payout has: an empty page (and a string for the NUL check to poison).
  "payouts.history": { access: { roles: ["provider", "finance"] }, input: () => ({ cursor: `pyt_${"0".repeat(26)}`, limit: 10 }), crossOrg: { expect: "ok" } },
  "payouts.earningsSeries": { access: { roles: ["provider", "finance"] }, input: () => ({ from: "2025-01-01", to: "2025-02-01", by: "model" }), crossOrg: { expect: "ok" } },
  "payouts.statement": { access: { roles: ["provider", "finance"] }, input: () => ({ month: "2025-01" }), crossOrg: { expect: "ok" } },
  "payouts.statementCsv": { access: { roles: ["provider", "finance"] }, input: () => ({ month: "2025-01" }), crossOrg: { expect: "ok" } },
  "operations.runPayouts": { access: { operator: true }, allowed: "PRECONDITION_FAILED", crossOrg: "not_org_scoped" },
  "operations.payoutRuns": { access: { operator: true }, crossOrg: "not_org_scoped" },
  // Platform finance (issue #11): an operator with the finance role (the operator here is one); everyone else is refused,
  // whatever their role in a customer organization. No Stripe here: reconciling answers PRECONDITION_FAILED. A month
  // that has not ended proves the close gate without closing anything.
  "finance.overview": { access: { operator: true }, input: () => ({ month: "2025-01" }), crossOrg: "not_org_scoped" },
  "finance.periods": { access: { operator: true }, crossOrg: "not_org_scoped" },
  "finance.closePeriod": { access: { operator: true }, input: () => ({ month: "2099-01" }), allowed: "BAD_REQUEST", crossOrg: "not_org_scoped" },
  "finance.reconciliation": { access: { operator: true }, crossOrg: "not_org_scoped" },
  "finance.runReconciliation": { access: { operator: true }, allowed: "PRECONDITION_FAILED", crossOrg: "not_org_scoped" },
  "finance.audit": { access: { operator: true }, input: () => ({ limit: 10, action: "export" }), crossOrg: "not_org_scoped" },
  "finance.exports": { access: { operator: true }, crossOrg: "not_org_scoped" },
  "organization.close": { access: { roles: ["admin"] }, input: () => ({ organizationId: "org_not_this_one" }), allowed: "BAD_REQUEST", crossOrg: { input: (f) => ({ organizationId: f.orgA }), expect: "BAD_REQUEST" } },
};

function mayCall(access: Access, caller: Caller): boolean {
  if (caller === "anonymous") return false;
  if ("signedIn" in access) return true;
  if ("operator" in access) return caller === "operator";
  if (caller === "no_org") return false;
  // The operator is a finance member of their own organization (beforeAll): finance-readable procedures answer them.
  if (caller === "operator") return (access.roles as string[]).includes("finance");
  return caller === "admin" || (access.roles as string[]).includes(caller);
}

/** What a caller who may not call gets: UNAUTHORIZED without a session, FORBIDDEN with one. */
const refusal = (caller: Caller): TRPCError["code"] => (caller === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN");

type Outcome = { code: "ok"; data: unknown } | { code: TRPCError["code"]; message: string };

async function call(headers: Headers, path: string, input: unknown): Promise<Outcome> {
  const caller = createCaller(await createTRPCContext({ headers })) as unknown as Record<string, unknown>;
  const fn = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input?: unknown) => Promise<unknown>;
  try {
    return { code: "ok", data: await fn(input) };
  } catch (err) {
    if (err instanceof TRPCError) return { code: err.code, message: err.message };
    throw err;
  }
}

/** Every string in `value` with a NUL and a lone surrogate appended (keys too, one level deep). */
function poisonStrings(value: unknown): unknown {
  if (typeof value === "string") return `${value}\u0000\ud800`;
  if (Array.isArray(value)) return value.map(poisonStrings);
  if (value && typeof value === "object" && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisonStrings(v)]));
  return value;
}

describe.each(DB_KINDS)("tRPC procedure × role × organization matrix on %s", (kind) => {
  let database: Database;
  let runtime: Runtime;
  const headers = {} as Record<Caller | "adminB", Headers>;
  let f: Fixtures;
  let orgB: string;
  const procedures = Object.keys((appRouter._def as unknown as { procedures: Record<string, unknown> }).procedures).sort();

  async function signUp(runtime: Runtime, name: string): Promise<{ headers: Headers; userId: string; email: string }> {
    const email = `${name}-${randomBytes(4).toString("hex")}@test.local`;
    const { headers, response } = await runtime.auth.api.signUpEmail({ body: { email, password: "password123", name }, returnHeaders: true });
    const cookie = headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    return { headers: new Headers({ cookie }), userId: (response as { user: { id: string } }).user.id, email };
  }
  const orgOf = async (userId: string) => (await database.db.select({ id: members.organizationId }).from(members).where(eq(members.userId, userId)).limit(1))[0]!.id;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const baseUrl = "http://127.0.0.1:3999";
    const services: ServiceContext = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: usdToNanos("5") };
    const auth = createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl, testCreditNanos: usdToNanos("5"), mode: "test" });
    const operatorEmail = `operator-${randomBytes(4).toString("hex")}@test.local`;
    runtime = { env: readEnv({ LOG_LEVEL: "silent", OPERATOR_EMAILS: operatorEmail }), baseUrl, database, auth, services };
    setRuntime(runtime);

    const admin = await signUp(runtime, "admin-a");
    const orgA = await orgOf(admin.userId);
    headers.admin = admin.headers;
    // Members of org A with one role each: their own sign-up organization is swapped for A.
    for (const role of ["buyer", "provider", "finance"] as const) {
      const u = await signUp(runtime, role);
      await database.db.update(members).set({ organizationId: orgA, role }).where(eq(members.userId, u.userId));
      await database.db.update(sessions).set({ activeOrganizationId: orgA }).where(eq(sessions.userId, u.userId));
      headers[role] = u.headers;
    }
    const adminB = await signUp(runtime, "admin-b");
    orgB = await orgOf(adminB.userId);
    headers.adminB = adminB.headers;
    // Signed in, but a member of no organization (removed from the only one they had).
    const loner = await signUp(runtime, "loner");
    await database.db.delete(members).where(eq(members.userId, loner.userId));
    headers.no_org = loner.headers;
    headers.anonymous = new Headers();
    // A platform operator is an ordinary member of their own organization, without a role in A.
    const op = await runtime.auth.api.signUpEmail({ body: { email: operatorEmail, password: "password123", name: "operator" }, returnHeaders: true });
    headers.operator = new Headers({ cookie: op.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") });
    const opOrg = await orgOf((op.response as { user: { id: string } }).user.id);
    await database.db.update(members).set({ role: "finance" }).where(eq(members.organizationId, opOrg));

    const adminCaller = createCaller(await createTRPCContext({ headers: admin.headers }));
    const key = async () => (await adminCaller.buyer.apiKeys.create({ name: "fixture" })).id;
    const token = async () => (await adminCaller.provider.agentTokens.create({ name: "fixture" })).id;
    const tokenRow = await token();
    const [offerToken] = await database.db.select({ id: agentTokens.id }).from(agentTokens).where(eq(agentTokens.id, tokenRow));
    const { offerId } = await seedOffer(database.db, { org: { organizationId: orgA, agentTokenId: offerToken!.id }, model_id: MODEL, hardware_class: "cpu", ask_nanos_per_second: 1000n, slots: 2, heartbeat_at: new Date() });
    f = {
      orgA,
      a: { revocableKeyId: await key(), settingsKeyId: await key(), revocableTokenId: await token(), offerId },
      guarded: { keyId: await key(), tokenId: await token(), balanceLineId: (await database.db.select({ id: ledgerLines.id }).from(ledgerLines).where(and(eq(ledgerLines.organizationId, orgA), eq(ledgerLines.account, "buyer_balance"))).limit(1))[0]!.id },
    };
    await adminCaller.standingBids.set({ model_id: MODEL, max_price_usd_per_second: "0.0003" });
  }, 120_000);
  afterAll(async () => {
    setRuntime(undefined);
    await database?.close();
  });

  it("every procedure in appRouter has a matrix entry (new procedures need an explicit decision)", () => {
    const missing = procedures.filter((p) => !(p in MATRIX));
    expect(missing, "procedures without a MATRIX entry in test/adversarial/trpc-matrix.int.test.ts").toEqual([]);
    const stale = Object.keys(MATRIX).filter((p) => !procedures.includes(p) && !MATRIX[p]!.pending);
    expect(stale, "MATRIX entries for procedures that no longer exist").toEqual([]);
  });

  it("each caller gets exactly the access its role allows, and never an internal error", async () => {
    const failures: string[] = [];
    for (const path of procedures) {
      const entry = MATRIX[path];
      if (!entry) continue;
      for (const caller of CALLERS) {
        const outcome = await call(headers[caller], path, entry.input?.(f));
        const expected = mayCall(entry.access, caller) ? (entry.allowed ?? "ok") : refusal(caller);
        if (outcome.code !== expected) failures.push(`${path} as ${caller}: expected ${expected}, got ${outcome.code}${"message" in outcome ? ` (${outcome.message})` : ""}`);
        if ("message" in outcome && internalDetailIn(outcome.message)) failures.push(`${path} as ${caller}: internal detail in "${outcome.message}"`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("organization B's admin, handed organization A's ids, reaches nothing of A", async () => {
    const failures: string[] = [];
    const aBidsBefore = await database.db.select().from(standingBids).where(eq(standingBids.organizationId, f.orgA));
    expect(aBidsBefore.length).toBeGreaterThan(0);
    const aIds = [f.orgA, f.a.offerId, f.guarded.keyId, f.guarded.tokenId, f.guarded.balanceLineId, f.a.settingsKeyId, f.a.revocableKeyId, f.a.revocableTokenId];
    for (const path of procedures) {
      const entry = MATRIX[path];
      if (!entry || entry.crossOrg === "not_org_scoped") continue;
      const outcome = await call(headers.adminB, path, entry.crossOrg.input?.(f) ?? entry.input?.(f));
      if (outcome.code !== entry.crossOrg.expect) failures.push(`${path} as B's admin with A's ids: expected ${entry.crossOrg.expect}, got ${outcome.code}${"message" in outcome ? ` (${outcome.message})` : ""}`);
      if (outcome.code === "ok") {
        const text = superjson.stringify(outcome.data);
        for (const id of aIds) if (text.includes(id)) failures.push(`${path} as B's admin: the answer mentions A's ${id}`);
      }
    }
    expect(failures).toEqual([]);
    // A's guarded resources are untouched: the key active with no limits set by B, the token live, A's standing bids as they were.
    const [key] = await database.db.select().from(apiKeys).where(eq(apiKeys.id, f.guarded.keyId));
    expect(key).toMatchObject({ revokedAt: null, rateLimitPerMinute: null, monthlySpendLimitNanos: null });
    const [token] = await database.db.select({ revokedAt: agentTokens.revokedAt }).from(agentTokens).where(eq(agentTokens.id, f.guarded.tokenId));
    expect(token!.revokedAt).toBeNull();
    const bids = await database.db.select().from(standingBids).where(eq(standingBids.organizationId, f.orgA));
    expect(bids.map((b) => [b.modelId, b.bidNanosPerSecond])).toEqual(aBidsBefore.map((b) => [b.modelId, b.bidNanosPerSecond]));
    const [a] = await database.db.select({ deletedAt: organizations.deletedAt }).from(organizations).where(and(eq(organizations.id, f.orgA), isNull(organizations.deletedAt)));
    expect(a, "organization A still open").toBeDefined();
    expect(orgB).not.toBe(f.orgA);
  });

  it("NUL characters and lone surrogates in any string input are a BAD_REQUEST, never an internal error", async () => {
    const failures: string[] = [];
    for (const path of procedures) {
      const entry = MATRIX[path];
      const input = entry?.input?.(f);
      if (input === undefined || Object.keys(input as object).length === 0) continue;
      const caller: Caller = entry!.access && "operator" in entry!.access ? "operator" : "admin";
      const outcome = await call(headers[caller], path, poisonStrings(input));
      if (outcome.code === "INTERNAL_SERVER_ERROR" || outcome.code === "ok") failures.push(`${path}: poisoned strings answered ${outcome.code}${"message" in outcome ? ` (${outcome.message})` : ""}`);
      if ("message" in outcome && internalDetailIn(outcome.message)) failures.push(`${path}: internal detail in "${outcome.message}"`);
    }
    expect(failures).toEqual([]);
  });
});
