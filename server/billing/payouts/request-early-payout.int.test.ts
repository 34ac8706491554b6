import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { createOrganizationForUser } from "../../auth/create-organization";
import type { ServiceContext } from "../../context";
import type { JobQueue } from "../../jobs/queue";
import type { StripeBilling } from "../stripe/client";
import { CLICK_BURST } from "../connect/stripe-click-throttle";
import { requestEarlyPayout } from "./request-early-payout";

describe.each(DB_KINDS)("requestEarlyPayout throttle (%s)", (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;
  // Never reached: every request here is refused before a payout is claimed or a job sent.
  const jobs = {} as JobQueue;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 0n, stripe: {} as StripeBilling };
  });
  afterAll(async () => database?.close());

  it("a provider hammering Request payout now is throttled per organization (refusals do not count against the daily limit)", async () => {
    const userId = newId("user");
    await database.db.insert(users).values({ id: userId, name: "u", email: `${userId}@t.local` });
    const { organizationId } = await createOrganizationForUser(database.db, { userId, name: "o", roles: "admin", testCreditNanos: 0n });
    for (let i = 0; i < CLICK_BURST; i++) await expect(requestEarlyPayout(ctx, jobs, { organizationId })).rejects.toMatchObject({ code: "forbidden" });
    await expect(requestEarlyPayout(ctx, jobs, { organizationId })).rejects.toMatchObject({ code: "rate_limited" });
  });
});
