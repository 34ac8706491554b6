import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { settlementDeadLetters } from "../../db/schema";
import { newId } from "../../lib/ids";
import { DB_KINDS, createTestDatabase } from "../../test/database";
import { createAuth } from "../auth/auth";
import { getBuyerBalance } from "../billing/balances";
import type { ServiceContext } from "../context";
import { readEnv } from "../env";
import { setRuntime, type Runtime } from "../runtime";
import { createTRPCContext } from "./init";
import { createCaller } from "./root";

async function signUp(runtime: Runtime, email: string): Promise<Headers> {
  const { headers } = await runtime.auth.api.signUpEmail({ body: { email, password: "password123", name: email.split("@")[0]! }, returnHeaders: true });
  return new Headers({ cookie: headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") });
}

describe.each(DB_KINDS)("operations router on %s", (kind) => {
  let database: Database;
  let runtime: Runtime;
  const operatorEmail = `ops-${randomBytes(3).toString("hex")}@test.local`;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const baseUrl = "http://127.0.0.1:3999";
    const services: ServiceContext = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 5_000_000_000n };
    const auth = createAuth({ db: database.db, secret: randomBytes(32).toString("hex"), baseUrl, testCreditNanos: services.test_credit_nanos });
    runtime = { env: readEnv({ LOG_LEVEL: "silent", OPERATOR_EMAILS: ` ${operatorEmail.toUpperCase()} , other@x.y` }), baseUrl, database, auth, services };
    setRuntime(runtime);
  });
  afterAll(async () => {
    setRuntime(undefined);
    await database?.close();
  });

  it("shows operators the open dead letters (held against the buyer), and nobody else, whatever their role", async () => {
    const buyer = await signUp(runtime, `buyer-${randomBytes(3).toString("hex")}@test.local`);
    const buyerCtx = await createTRPCContext({ headers: buyer });
    const requestId = newId("request");
    await database.db.insert(settlementDeadLetters).values({ requestId, organizationId: buyerCtx.organizationId!, instanceId: "main", amountNanos: 123_456n, outcome: {}, error: "refused" });
    expect((await getBuyerBalance(database.db, buyerCtx.organizationId!, new Date())).available_nanos).toBe(5_000_000_000n - 123_456n);

    // An organization admin is not a platform operator.
    const denied = await createCaller(buyerCtx).operations.deadLetters().then(() => null, (e: unknown) => e);
    expect((denied as TRPCError).code).toBe("FORBIDDEN");

    const ops = createCaller(await createTRPCContext({ headers: await signUp(runtime, operatorEmail) }));
    const seen = await ops.operations.deadLetters();
    expect(seen.totals).toEqual({ count: 1, amount_nanos: 123_456n });
    expect(seen.open.map((l) => l.request_id)).toEqual([requestId]);
    // Its outcome is unreadable here, so a replay reports it as still failing and keeps holding it.
    const replay = await ops.operations.replayDeadLetters({});
    expect(replay.failed.map((f) => f.request_id)).toEqual([requestId]);
    expect((await ops.operations.deadLetters()).open[0]!.attempts).toBe(2);
  });
});
