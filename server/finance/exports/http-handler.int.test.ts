import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { request, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, members, users } from "../../../db/schema";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { settleBatch } from "../../billing/settle-batch";
import { readEnv } from "../../env";
import { createLogger } from "../../logger";
import { startServer, type RunningServer } from "../../main";
import { monthPeriod } from "../period";
import { bulkSettledRequests, createTestKey, outcome, testServices } from "./export-test-data";

/**
 * The download endpoint on the real server (web off: exports are served before Next): who may download
 * what, errors as JSON, the audit row, the concurrency cap, and a client that goes away mid-stream.
 */
type Got = { status: number; headers: Headers; body: string };
type Person = { cookie: string; userId: string; organizationId: string };

const NOV = monthPeriod("2026-11");
/**
 * A month holding a usage export far larger than the socket buffers (~14 MB: long model ids, twice a row with
 * the market), so a client that stops reading stalls it mid-stream.
 */
const BIG = monthPeriod("2025-01");
const BIG_ROWS = 4_000;
const LONG_MODEL = `big-${"m".repeat(1_500)}`;

for (const kind of DB_KINDS) {
  describe(`GET /api/exports/<kind>.csv (${kind})`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let server: RunningServer;
    let buyer: Person, other: Person, providerOnly: Person, operator: Person;
    let buyerKey: string, otherKey: string;
    const logs: string[] = [];
    const operatorEmail = `finance-${randomBytes(3).toString("hex")}@exports.test`;

    const get = async (path: string, who?: Person): Promise<Got> => {
      const res = await fetch(`${server.url}${path}`, { headers: who ? { cookie: who.cookie } : {} });
      return { status: res.status, headers: res.headers, body: await res.text() };
    };
    const audits = async () => (await database.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(eq(auditLog.action, "export")))[0]!.n;
    const signUp = async (email: string, role: string): Promise<Person> => {
      const { headers } = await server.runtime.auth.api.signUpEmail({ body: { email, password: "password123", name: email.split("@")[0]! }, returnHeaders: true });
      const [user] = await database.db.select({ id: users.id }).from(users).where(eq(users.email, email));
      const [member] = await database.db.update(members).set({ role }).where(eq(members.userId, user!.id)).returning({ organizationId: members.organizationId });
      return { cookie: headers.getSetCookie().map((c) => c.split(";")[0]).join("; "), userId: user!.id, organizationId: member!.organizationId };
    };

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      server = await startServer({
        env: readEnv({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: mkdtempSync(join(tmpdir(), "spotlane-exports-")), SPOTLANE_DEMO: "false", TEST_CREDIT_USD: "0", LOG_LEVEL: "silent", OPERATOR_EMAILS: operatorEmail, EXPORT_MAX_CONCURRENT: "1" }),
        database,
        workers: false,
        web: false,
      });
      // The handler reads the logger at use: capture what it says about each export.
      server.runtime.logger = createLogger({ level: "info", destination: { write: (line: string) => void logs.push(line) } });
      const tag = randomBytes(3).toString("hex");
      buyer = await signUp(`buyer-${tag}@exports.test`, "buyer");
      other = await signUp(`other-${tag}@exports.test`, "admin");
      providerOnly = await signUp(`provider-${tag}@exports.test`, "provider");
      operator = await signUp(operatorEmail, "admin");
      buyerKey = await createTestKey(database.db, buyer.organizationId, buyer.userId, "buyer key");
      otherKey = await createTestKey(database.db, other.organizationId, other.userId, "other key");
      const provider = providerOnly.organizationId;
      const at = (d: number) => new Date(NOV.start.getTime() + d * 86_400_000);
      await settleBatch(testServices(database.db), [
        ...[1, 2, 3].map((d) => outcome({ organizationId: buyer.organizationId, apiKeyId: buyerKey, providerOrganizationId: provider, modelId: d === 3 ? "qwen2.5-7b" : "llama-3.1-8b", completedAt: at(d), price_nanos_per_second: 2_000_000n, billed_ms: 1_000 * d })),
        ...[4, 5].map((d) => outcome({ organizationId: other.organizationId, apiKeyId: otherKey, providerOrganizationId: provider, modelId: "llama-3.1-8b", completedAt: at(d), price_nanos_per_second: 3_000_000n, billed_ms: 700 })),
      ]);
      await bulkSettledRequests(database.db, { organizationId: buyer.organizationId, apiKeyId: buyerKey, providerOrganizationId: provider, count: BIG_ROWS, period: BIG, modelId: LONG_MODEL });
    });
    afterAll(async () => {
      await server?.close();
      await database?.close();
    });

    it("refuses, as JSON, a signed-out caller (401), a bad month (400), an unknown export (404) and anything but GET (405)", async () => {
      const before = await audits();
      const cases: [Got, number, string][] = [
        [await get("/api/exports/usage.csv?month=2026-11"), 401, "unauthenticated"],
        [await get("/api/exports/usage.csv?month=2026-13", buyer), 400, "invalid_input"],
        [await get("/api/exports/usage.csv?month=2026-11&organisation=x", buyer), 400, "invalid_input"],
        [await get("/api/exports/ledger.csv?month=2026-11", buyer), 404, "not_found"],
      ];
      const post = await fetch(`${server.url}/api/exports/usage.csv?month=2026-11`, { method: "POST", headers: { cookie: buyer.cookie } });
      cases.push([{ status: post.status, headers: post.headers, body: await post.text() }, 405, "method_not_allowed"]);
      for (const [got, status, code] of cases) {
        expect(got.status).toBe(status);
        expect(got.headers.get("content-type")).toBe("application/json");
        const body = JSON.parse(got.body) as { error: { message: string; code: string } };
        expect(body.error.code).toBe(code);
        expect(body.error.message.length).toBeGreaterThan(0);
      }
      expect(post.headers.get("allow")).toBe("GET");
      expect(await audits()).toBe(before);
    });

    it("gives a buyer their own organization's usage only, audited, and nothing else", async () => {
      const before = await audits();
      const own = await get("/api/exports/usage.csv?month=2026-11", buyer);
      expect(own.status).toBe(200);
      expect(own.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(own.headers.get("content-disposition")).toBe('attachment; filename="spotlane-usage-2026-11.csv"');
      expect(own.headers.get("cache-control")).toBe("no-store");
      const rows = parse<Record<string, string>>(own.body, { columns: true });
      expect(rows.length).toBe(3);
      expect(rows.every((r) => r.organization_id === buyer.organizationId)).toBe(true);
      expect(await audits()).toBe(before + 1);
      const [entry] = await database.db.select().from(auditLog).where(eq(auditLog.action, "export")).orderBy(sql`${auditLog.at} desc, ${auditLog.id} desc`).limit(1);
      expect(entry).toMatchObject({ actorUserId: buyer.userId, organizationId: buyer.organizationId, subject: "usage", details: { period_start: NOV.start.toISOString(), period_end: NOV.end.toISOString(), month: "2026-11", organization_id: buyer.organizationId } });

      // Naming their own organization is fine; another's, or a platform export, is refused.
      expect((await get(`/api/exports/usage.csv?month=2026-11&organization=${buyer.organizationId}`, buyer)).status).toBe(200);
      const foreign = await get(`/api/exports/usage.csv?month=2026-11&organization=${other.organizationId}`, buyer);
      expect(foreign.status).toBe(403);
      expect(JSON.parse(foreign.body).error.code).toBe("forbidden");
      expect((await get("/api/exports/journal.csv?month=2026-11", buyer)).status).toBe(403);
      // Filters: their key and a model; another organization's key does not exist for them.
      const byKey = await get(`/api/exports/usage.csv?from=2026-11-01T00:00:00Z&to=2026-11-05T00:00:00Z&key=${buyerKey}&model=llama-3.1-8b`, buyer);
      expect(byKey.status).toBe(200);
      expect(parse<unknown>(byKey.body, { columns: true }).length).toBe(2);
      expect(byKey.headers.get("content-disposition")).toBe('attachment; filename="spotlane-usage-20261101T000000Z-20261105T000000Z.csv"');
      expect((await get(`/api/exports/usage.csv?month=2026-11&key=${otherKey}`, buyer)).status).toBe(404);
      // A member without the buyer or finance role gets nothing.
      expect((await get("/api/exports/usage.csv?month=2026-11", providerOnly)).status).toBe(403);
      expect(await audits()).toBe(before + 3);
    });

    it("gives platform finance every kind for any organization", async () => {
      const all = parse<Record<string, string>>((await get("/api/exports/usage.csv?month=2026-11", operator)).body, { columns: true });
      expect(new Set(all.map((r) => r.organization_id))).toEqual(new Set([buyer.organizationId, other.organizationId]));
      const theirs = parse<Record<string, string>>((await get(`/api/exports/usage.csv?month=2026-11&organization=${other.organizationId}&key=${otherKey}`, operator)).body, { columns: true });
      expect(theirs.length).toBe(2);
      const journal = await get("/api/exports/journal.csv?month=2026-11", operator);
      expect(journal.status).toBe(200);
      expect(parse<unknown>(journal.body, { columns: true }).length).toBe(5 * 3);
      // An organization admin who is not a platform operator is a customer: their own usage only.
      expect((await get("/api/exports/journal.csv?month=2026-11", other)).status).toBe(403);
    });

    it("answers 429 past the concurrency cap, and a download the client abandons mid-stream frees its slot and its transaction", async () => {
      const before = await audits();
      const stalled = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(`${server.url}/api/exports/usage.csv?month=2025-01`, { headers: { cookie: buyer.cookie } }, resolve);
        req.on("error", reject).end();
      });
      // Not read: the export fills the socket buffers and waits on backpressure, holding the only slot.
      expect(stalled.statusCode).toBe(200);
      const busy = await get("/api/exports/usage.csv?month=2026-11", operator);
      expect(busy.status).toBe(429);
      expect(busy.headers.get("retry-after")).toBe("10");
      expect(JSON.parse(busy.body).error.code).toBe("rate_limited");

      stalled.destroy();
      for (const deadline = Date.now() + 10_000; !logs.some((l) => l.includes("the client went away")); await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() > deadline) throw new Error(`the server did not notice the client leaving: ${logs.slice(-3).join("")}`);
      }
      expect(logs.some((l) => l.includes('"rows":' + BIG_ROWS))).toBe(false);
      if (kind === "postgres") {
        const open = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and (state like 'idle in transaction%' or query ilike 'fetch forward%' and state = 'active')`);
        expect((open as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
      }
      const next = await get("/api/exports/usage.csv?month=2026-11", operator);
      expect(next.status).toBe(200);
      expect(parse<unknown>(next.body, { columns: true }).length).toBe(5);
      // The abandoned download was still handed out, so it is on record; the refused one is not.
      expect(await audits()).toBe(before + 2);
    });
  });
}
