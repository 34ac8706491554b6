import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { members } from "../../db/schema";
import { EXPORT_KINDS } from "../../lib/export-catalog";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { createAuth } from "../auth/auth";
import type { ServiceContext } from "../context";
import { readEnv } from "../env";
import { monthKey, nextMonthStart } from "../finance/period";
import { ROLL_FORWARD_SECTIONS } from "../finance/roll-forward/types";
import { setRuntime, type Runtime } from "../runtime";
import { createTRPCContext } from "./init";
import { createCaller } from "./root";

type Caller = ReturnType<typeof createCaller>;

const GRANT_NANOS = 5_000_000_000n;

async function signUp(runtime: Runtime, email: string): Promise<Headers> {
  const { headers } = await runtime.auth.api.signUpEmail({ body: { email, password: "password123", name: email.split("@")[0]! }, returnHeaders: true });
  return new Headers({ cookie: headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") });
}

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => null,
    (e: unknown) => (e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`),
  );
}

// One database per kind: the happy path closes a month, which makes every earlier date unpostable in it.
describe.each(DB_KINDS)("finance router on %s", (kind) => {
  let database: Database;
  let runtime: Runtime;
  // The services' clock: real time while people sign up (their test credit posts now), then moved past the month's end to close it.
  const clock = { at: null as Date | null };
  const tag = randomBytes(3).toString("hex");
  const emails = { buyer: `buyer-${tag}@test.local`, opsMember: `ops-member-${tag}@test.local`, opsAdmin: `ops-admin-${tag}@test.local` };
  const headers = {} as Record<keyof typeof emails, Headers>;
  const callers = {} as Record<keyof typeof emails, Caller>;
  const month = monthKey(new Date());

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const baseUrl = "http://127.0.0.1:3999";
    const services: ServiceContext = { db: database.db, now: () => clock.at ?? new Date(), platform_fee_bps: 1000, test_credit_nanos: GRANT_NANOS };
    const auth = createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl, testCreditNanos: services.test_credit_nanos });
    runtime = { env: readEnv({ LOG_LEVEL: "silent", OPERATOR_EMAILS: [emails.opsMember, emails.opsAdmin.toUpperCase()].join(",") }), baseUrl, database, auth, services };
    setRuntime(runtime);
    for (const who of Object.keys(emails) as (keyof typeof emails)[]) {
      headers[who] = await signUp(runtime, emails[who]);
      callers[who] = createCaller(await createTRPCContext({ headers: headers[who] }));
    }
  });
  afterAll(async () => {
    setRuntime(undefined);
    await database?.close();
  });

  it("is platform finance only: not a signed-in customer, not an operator without the finance or admin role", async () => {
    const signedOut = createCaller(await createTRPCContext({ headers: new Headers() }));
    expect(await codeOf(signedOut.finance.overview({ month }))).toBe("UNAUTHORIZED");
    // An operator whose role in their organization is neither finance nor admin.
    const opsMember = (await createTRPCContext({ headers: headers.opsMember })).user!.id;
    await database.db.update(members).set({ role: "buyer,provider" }).where(eq(members.userId, opsMember));
    for (const who of ["buyer", "opsMember"] as const) {
      const c = who === "buyer" ? callers.buyer : createCaller(await createTRPCContext({ headers: headers.opsMember }));
      for (const call of [c.finance.overview({ month }), c.finance.periods(), c.finance.closePeriod({ month }), c.finance.reconciliation(), c.finance.runReconciliation(), c.finance.audit(), c.finance.exports()]) {
        expect(await codeOf(call), who).toBe("FORBIDDEN");
      }
    }
    // The same operator with the finance role (not admin) reads.
    await database.db.update(members).set({ role: "finance" }).where(eq(members.userId, opsMember));
    expect((await createCaller(await createTRPCContext({ headers: headers.opsMember })).finance.overview({ month })).roll_forward.balanced).toBe(true);
  });

  it("refuses a period that is not one: a bad month, an end before the start, a range over a year", async () => {
    const c = callers.opsAdmin;
    for (const input of [{ month: "2026-13" }, { month: "2026-1" }, { month: "november" }, { from: new Date("2026-11-10T00:00:00Z"), to: new Date("2026-11-03T00:00:00Z") }, { from: new Date("2025-01-01T00:00:00Z"), to: new Date("2026-02-01T00:00:00Z") }]) {
      expect(await codeOf(c.finance.overview(input as { month: string })), JSON.stringify(input)).toBe("BAD_REQUEST");
    }
    expect(await codeOf(c.finance.overview({ from: "not a date", to: "2026-11-03" }))).toBe("BAD_REQUEST");
    expect(await codeOf(c.finance.closePeriod({ month: "2026-00" }))).toBe("BAD_REQUEST");
    expect(await codeOf(c.finance.audit({ limit: 0 }))).toBe("BAD_REQUEST");
  });

  it("shows an operator admin the month's roll-forward and reports, closes it once it has ended, and audits the close", async () => {
    const c = callers.opsAdmin;
    const { period, roll_forward, reports } = await c.finance.overview({ month });
    expect(period.start.toISOString().slice(0, 7)).toBe(month);
    expect(roll_forward.balanced).toBe(true);
    expect(roll_forward.closed).toBe(false);
    expect(roll_forward.sections.map((s) => s.key)).toEqual([...ROLL_FORWARD_SECTIONS]);
    // Three sign-ups, each granted local test credit this month.
    const credit = roll_forward.sections.find((s) => s.key === "buyer_credit")!;
    expect(credit.closing_nanos - credit.opening_nanos).toBe(3n * GRANT_NANOS);
    expect(credit.movements).toEqual([expect.objectContaining({ kind: "test_credit_grant", amount_nanos: 3n * GRANT_NANOS, entries: 3 })]);
    expect(roll_forward.sections.reduce((s, x) => s + x.closing_nanos, 0n)).toBe(0n);
    expect(reports.days.length).toBe(Math.round((period.end.getTime() - period.start.getTime()) / 86_400_000));
    expect((await c.finance.overview({ from: period.start, to: period.end })).roll_forward.sections).toEqual(roll_forward.sections);
    expect((await c.finance.exports()).map((s) => s.kind)).toEqual([...EXPORT_KINDS]);

    // This month has not ended: it is the next to close, with the reason it cannot be yet.
    const before = await c.finance.periods();
    expect(before.closed).toEqual([]);
    expect(before.next_closeable).toMatchObject({ month, closeable: false });
    expect(before.next_closeable!.reason).toBeTruthy();
    expect(await codeOf(c.finance.closePeriod({ month }))).toBe("BAD_REQUEST");

    clock.at = new Date(nextMonthStart(period.start).getTime() + 86_400_000);
    expect((await c.finance.periods()).next_closeable).toMatchObject({ month, closeable: true });
    const closed = await c.finance.closePeriod({ month });
    expect(closed).toMatchObject({ month, closed_by_email: emails.opsAdmin, journal_entry_count: 3 });
    expect(await codeOf(c.finance.closePeriod({ month }))).toBe("CONFLICT");

    const after = await c.finance.periods();
    expect(after.closed.map((p) => p.month)).toEqual([month]);
    expect(after.next_closeable?.month).toBe(monthKey(nextMonthStart(period.start)));
    expect((await c.finance.overview({ month })).roll_forward.closed).toBe(true);
    const next = (await c.finance.overview({ month: monthKey(nextMonthStart(period.start)) })).roll_forward;
    expect(next.sections.find((s) => s.key === "buyer_credit")).toMatchObject({ opening_source: "frozen", opening_nanos: credit.closing_nanos });

    const audit = await c.finance.audit({ limit: 10, action: "period.close" });
    expect(audit.map((e) => [e.action, e.subject, e.actor_email])).toEqual([["period.close", month, emails.opsAdmin]]);
    // Paging past the only entry gives nothing more.
    expect(await c.finance.audit({ limit: 10, before: { at: audit[0]!.at, id: audit[0]!.id } })).toEqual([]);
  });

  it("says there is nothing to reconcile without Stripe", async () => {
    expect(await codeOf(callers.opsAdmin.finance.runReconciliation())).toBe("PRECONDITION_FAILED");
    const overview = await callers.opsAdmin.finance.reconciliation();
    expect(overview.available).toBe(false);
  });
});
