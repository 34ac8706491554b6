import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { usdToNanos } from "../../lib/money";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { getBuyerBalance } from "../billing/balances";
import { CLIENT_IP_HEADER } from "../http/client-ip";
import { createAuth, type AuthDeps } from "./auth";

const BASE_URL = "http://127.0.0.1:3999";
const CREDIT = usdToNanos("5");

type Auth = ReturnType<typeof createAuth>;

/** A browser-like POST to better-auth's handler, from `ip` as server/main.ts would have resolved it. */
function post(auth: Auth, path: string, body: unknown, opts: { ip?: string; headers?: Record<string, string> } = {}) {
  return auth.handler(
    new Request(`${BASE_URL}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: BASE_URL, ...(opts.ip ? { [CLIENT_IP_HEADER]: opts.ip } : {}), ...opts.headers },
      body: JSON.stringify(body),
    }),
  );
}

const email = (who: string) => `${who}-${randomBytes(4).toString("hex")}@test.local`;

describe.each(DB_KINDS)("better-auth hardening on %s", (kind) => {
  let database: Database;
  const authWith = (extra: Partial<AuthDeps> = {}) => createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl: BASE_URL, testCreditNanos: CREDIT, ...extra });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("throttles wrong passwords per client IP, and X-Forwarded-For cannot buy a fresh bucket", async () => {
    const auth = authWith();
    const victim = email("victim");
    await auth.api.signUpEmail({ body: { email: victim, password: "correct-horse", name: "victim" } });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      // A spoofed, different X-Forwarded-For each time: ignored, the address is the one main.ts resolved.
      const res = await post(auth, "/sign-in/email", { email: victim, password: `wrong-${i}` }, { ip: "203.0.113.5", headers: { "x-forwarded-for": `198.51.100.${i}` } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(7).fill(429));
    // Another client is not locked out by the attacker.
    const other = await post(auth, "/sign-in/email", { email: victim, password: "correct-horse" }, { ip: "203.0.113.77" });
    expect(other.status).toBe(200);
  });

  it("throttles sign-ups per client IP", async () => {
    const auth = authWith();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await post(auth, "/sign-up/email", { email: email(`farm${i}`), password: "password123", name: `farm${i}` }, { ip: "203.0.113.9" })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });

  it("grants the test credit to at most TEST_CREDIT_GRANTS_PER_HOUR new organizations", async () => {
    // Earlier tests in this file already granted some this hour: the budget counts them too.
    const { rows } = (await database.db.execute<{ n: number }>(`select count(*)::int as n from journal_entries where kind = 'test_credit_grant'`)) as { rows: { n: number }[] };
    const auth = authWith({ testCreditGrantsPerHour: rows[0]!.n + 1 });
    const first = await auth.api.signUpEmail({ body: { email: email("early"), password: "password123", name: "early" } });
    const second = await auth.api.signUpEmail({ body: { email: email("late"), password: "password123", name: "late" } });
    const balanceOf = async (userId: string) => {
      const { rows: m } = (await database.db.execute<{ organization_id: string }>(`select organization_id from members where user_id = '${userId}'`)) as { rows: { organization_id: string }[] };
      return (await getBuyerBalance(database.db, m[0]!.organization_id, new Date())).balance_nanos;
    };
    expect(await balanceOf(first.user.id)).toBe(CREDIT);
    expect(await balanceOf(second.user.id)).toBe(0n);
  });

  it("accepts callbackURL on the public origin only in production, any localhost port in development", async () => {
    const who = email("cb");
    const prod = authWith();
    await prod.api.signUpEmail({ body: { email: who, password: "password123", name: "cb" } });
    const signIn = (auth: Auth, callbackURL: string, ip: string) => post(auth, "/sign-in/email", { email: who, password: "password123", callbackURL }, { ip });
    expect((await signIn(prod, "http://localhost:5555/steal", "203.0.113.20")).status).toBe(403);
    expect((await signIn(prod, "http://127.0.0.1:8080/", "203.0.113.20")).status).toBe(403);
    expect((await signIn(prod, `${BASE_URL}/dashboard`, "203.0.113.20")).status).toBe(200);
    const dev = authWith({ mode: "development" });
    expect((await signIn(dev, "http://localhost:5555/dev", "203.0.113.21")).status).toBe(200);
    // The embedded default (no PUBLIC_URL) trusts its own port on localhost, nothing else.
    const local = authWith({ localOrigins: ["http://localhost:3999"] });
    expect((await signIn(local, "http://localhost:3999/dashboard", "203.0.113.22")).status).toBe(200);
    expect((await signIn(local, "http://localhost:4000/dashboard", "203.0.113.22")).status).toBe(403);
  });

  it("refuses better-auth's hard delete of an organization with a 4xx instead of a 500 after its members are gone", async () => {
    const auth = authWith();
    const { headers } = await auth.api.signUpEmail({ body: { email: email("owner"), password: "password123", name: "owner" }, returnHeaders: true });
    const cookie = headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const session = await auth.api.getSession({ headers: new Headers({ cookie }) });
    const organizationId = session!.session.activeOrganizationId!;
    const res = await post(auth, "/organization/delete", { organizationId }, { ip: "203.0.113.30", headers: { cookie } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "ORGANIZATION_DELETION_DISABLED" });
    const { rows } = (await database.db.execute<{ n: number }>(`select count(*)::int as n from members where organization_id = '${organizationId}'`)) as { rows: { n: number }[] };
    expect(rows[0]!.n).toBe(1);
  });
});
