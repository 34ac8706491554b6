import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, journalEntries, ledgerLines, requests, users } from "../../db/schema";
import { newId } from "../../lib/ids";
import { createTestDatabase } from "../../test/database";
import { createOrganizationForUser } from "../auth/create-organization";
import type { ServiceContext } from "../context";
import { accountBalanceNanos, getBuyerBalance } from "./balances";
import { countOpenDeadLetters, listDeadLetters, replayDeadLetters } from "./dead-letters";
import { SettlementQueue } from "./settlement-queue";
import type { RequestOutcome } from "./request-outcome";

describe("SettlementQueue (PGlite)", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;
  let buyerOrg: string;
  let providerOrg: string;
  let apiKeyId: string;

  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 0n };
    const mk = async (credit: bigint) => {
      const userId = newId("user");
      await database.db.insert(users).values({ id: userId, name: "u", email: `${userId}@t.local` });
      return (await createOrganizationForUser(database.db, { userId, name: "o", roles: "admin", testCreditNanos: credit })).organizationId;
    };
    buyerOrg = await mk(1_000_000_000n);
    providerOrg = await mk(0n);
    apiKeyId = newId("apiKey");
    await database.db.insert(apiKeys).values({ id: apiKeyId, organizationId: buyerOrg, name: "k", keyPrefix: "p", keyHash: apiKeyId });
  });
  afterAll(async () => database?.close());

  const outcome = (over: Partial<RequestOutcome> = {}): RequestOutcome => ({
    requestId: newId("request"),
    organizationId: buyerOrg,
    apiKeyId,
    offerId: "off_x",
    machineId: "mach_x",
    providerOrganizationId: providerOrg,
    modelId: "m",
    hardwareClass: "cpu",
    endpoint: "chat.completions",
    stream: false,
    status: "completed",
    errorCode: null,
    price_nanos_per_second: 1_000_000n,
    bid_nanos_per_second: null,
    compute_ms: 1234,
    served_ms: null,
    quote_ms: null,
    billed_ms: 1234,
    ttft_ms: 10,
    prompt_tokens: 3,
    completion_tokens: 4,
    dispatchedAt: new Date(),
    completedAt: new Date(),
    hold: "reservation",
    ...over,
  });

  it("settles what it logged, ignores a torn last line, and never counts a replayed segment twice", async () => {
    const walDir = mkdtempSync(join(tmpdir(), "wal-"));
    const q = new SettlementQueue(ctx, { walDir, instanceId: "test" });
    const a = outcome();
    const b = outcome({ status: "failed", errorCode: "provider_stream_failed" });
    expect(q.enqueue(a).cost_nanos).toBe(1_234_000n);
    expect(q.enqueue(b).cost_nanos).toBe(0n);
    const [segment] = readdirSync(walDir);
    const logged = readFileSync(join(walDir, segment!), "utf8");
    expect(q.depth).toBe(2);
    await q.flush();
    expect(q.depth).toBe(0);
    expect(readdirSync(walDir)).toEqual([]);

    // A crash after the commit but before the segment was deleted, plus a torn write of a third request.
    const c = outcome();
    writeFileSync(join(walDir, segment!), logged + JSON.stringify(c, (_k, v) => (typeof v === "bigint" ? String(v) : v)).slice(0, 40));
    const restarted = new SettlementQueue(ctx, { walDir, instanceId: "test" });
    expect(await restarted.recover()).toBe(2);
    expect(readdirSync(walDir)).toEqual([]);

    const rows = await database.db.select({ id: requests.id }).from(requests);
    expect(rows.map((r) => r.id).sort()).toEqual([a.requestId, b.requestId].sort());
    const [entries] = await database.db.select({ n: sql<number>`count(*)::int` }).from(journalEntries).where(sql`${journalEntries.kind} = 'request_settlement'`);
    expect(entries!.n).toBe(2);
    expect(await accountBalanceNanos(database.db, "buyer_balance", buyerOrg)).toBe(1_000_000_000n - 1_234_000n);
    expect(await accountBalanceNanos(database.db, "provider_earnings", providerOrg)).toBe(1_234_000n - 123_400n);
  });

  it("sets a poison outcome aside without blocking its batch, keeps its cost held, and settles it exactly once on replay", async () => {
    const walDir = mkdtempSync(join(tmpdir(), "wal-"));
    const errors: string[] = [];
    const q = new SettlementQueue(ctx, { walDir, instanceId: "test", onError: (e) => errors.push(e.message) });
    const good = outcome();
    // The ledger refuses it (its key row does not exist): a dead letter must never mean "free".
    const missingKeyId = newId("apiKey");
    const poison = outcome({ apiKeyId: missingKeyId, compute_ms: 2000, billed_ms: 2000 });
    const before = await getBuyerBalance(database.db, buyerOrg, new Date());
    q.enqueue(poison);
    q.enqueue(good);
    await q.flush();
    expect(await database.db.select({ id: requests.id }).from(requests).where(sql`${requests.id} = ${good.requestId}`)).toHaveLength(1);
    expect(readdirSync(walDir)).toEqual([]);
    expect(errors).toEqual([expect.stringContaining(poison.requestId)]);

    const letters = await listDeadLetters(ctx, { organizationId: buyerOrg });
    expect(letters.map((l) => [l.request_id, l.amount_nanos])).toEqual([[poison.requestId, 2_000_000n]]);
    const held = await getBuyerBalance(database.db, buyerOrg, new Date());
    expect(held.balance_nanos).toBe(before.balance_nanos - 1_234_000n);
    expect(held.available_nanos).toBe(before.available_nanos - 1_234_000n - 2_000_000n);
    expect(await countOpenDeadLetters(ctx)).toEqual({ count: 1, amount_nanos: 2_000_000n });

    // Replaying before the cause is fixed fails and keeps holding.
    expect((await replayDeadLetters(ctx)).failed.map((f) => f.request_id)).toEqual([poison.requestId]);
    expect((await getBuyerBalance(database.db, buyerOrg, new Date())).available_nanos).toBe(held.available_nanos);

    // The operator fixes the cause; the replay settles it once, and a second replay finds nothing to do.
    await database.db.insert(apiKeys).values({ id: missingKeyId, organizationId: buyerOrg, name: "restored", keyPrefix: "r", keyHash: missingKeyId });
    expect(await replayDeadLetters(ctx)).toEqual({ settled: [poison.requestId], failed: [] });
    expect(await replayDeadLetters(ctx)).toEqual({ settled: [], failed: [] });
    const after = await getBuyerBalance(database.db, buyerOrg, new Date());
    expect(after.balance_nanos).toBe(held.balance_nanos - 2_000_000n);
    expect(after.available_nanos).toBe(held.available_nanos);
    expect(await countOpenDeadLetters(ctx)).toEqual({ count: 0, amount_nanos: 0n });
    const [sum] = await database.db.select({ total: sql<string>`coalesce(sum(amount_nanos), 0)::text` }).from(ledgerLines);
    expect(sum!.total).toBe("0");
  });
});
