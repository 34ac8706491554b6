import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topUps, users } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { usdToNanos } from "../../../lib/money";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import { createOrganizationForUser } from "../../auth/create-organization";
import type { ServiceContext } from "../../context";
import { createLogger } from "../../logger";
import { accountBalanceNanos } from "../balances";
import { createTopUp, MAX_PENDING_CHECKOUT_TOP_UPS } from "./create-top-up";
import { listTopUps } from "./list-top-ups";
import { reconcilePendingTopUps } from "./reconcile-pending-top-ups";

/** Starting top-ups (bounds, cap, Stripe failures), listing them, and the reconciler for lost webhooks. */
describe.each(DB_KINDS)("starting and reconciling top-ups on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  let services: ServiceContext;
  const silent = createLogger({ level: "silent" });

  beforeAll(async () => {
    fake = await startFakeStripe();
    fake.setWebhookUrl(null);
    fake.delivery.auto = false;
    mp = await startTestMarketplace(kind, { env: { ...fake.env(), TOP_UP_MIN_USD: "5", TOP_UP_MAX_USD: "500" }, verification: "trust" });
    services = mp.server.runtime.services;
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  const newOrg = async () => {
    const userId = newId("user");
    await services.db.insert(users).values({ id: userId, name: "lead", email: `${userId}@test.local` });
    const { organizationId } = await createOrganizationForUser(services.db, { userId, name: "team", roles: "admin", testCreditNanos: services.test_credit_nanos });
    return { organizationId, userId };
  };
  const rowOf = async (topUpId: string) => (await services.db.select().from(topUps).where(eq(topUps.id, topUpId)))[0]!;

  it("refuses amounts outside the bounds or not in whole cents, saying the bounds", async () => {
    const { organizationId, userId } = await newOrg();
    for (const usd of ["4.99", "500.01", "0", "10.001", "20.000000001"]) {
      await expect(createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos(usd) })).rejects.toMatchObject({ code: "invalid_input", message: "A top-up must be from $5.00 to $500.00, in whole cents." });
    }
    await expect(createTopUp(services, { organizationId, userId, amount_nanos: -usdToNanos("20") })).rejects.toMatchObject({ code: "invalid_input" });
    expect(await services.db.select().from(topUps).where(eq(topUps.organizationId, organizationId))).toEqual([]);
    // The bounds themselves are fine.
    await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("5") });
    await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("500") });
  });

  it("refuses unknown organizations", async () => {
    await expect(createTopUp(services, { organizationId: "org_missing", userId: "usr_x", amount_nanos: usdToNanos("10") })).rejects.toMatchObject({ code: "not_found" });
  });

  it(`caps unfinished top-ups at ${MAX_PENDING_CHECKOUT_TOP_UPS} per organization, even when asked concurrently`, async () => {
    const { organizationId, userId } = await newOrg();
    const tries = await Promise.allSettled(Array.from({ length: MAX_PENDING_CHECKOUT_TOP_UPS + 3 }, () => createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("10") })));
    expect(tries.filter((t) => t.status === "fulfilled")).toHaveLength(MAX_PENDING_CHECKOUT_TOP_UPS);
    for (const t of tries.filter((t) => t.status === "rejected")) expect(t.reason).toMatchObject({ code: "conflict" });
    // Another organization is not affected.
    const other = await newOrg();
    await expect(createTopUp(services, { organizationId: other.organizationId, userId: other.userId, amount_nanos: usdToNanos("10") })).resolves.toMatchObject({ checkout_url: expect.any(String) });
  });

  it("Stripe failing to create the session marks the top-up failed and answers upstream_error without Stripe's message", async () => {
    const { organizationId, userId } = await newOrg();
    fake.failNext({ method: "POST", path: /^\/v1\/checkout\/sessions$/ }, 1, "500");
    const err = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("25") }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "upstream_error", message: "Stripe could not start the payment; try again." });
    const [row] = await services.db.select().from(topUps).where(eq(topUps.organizationId, organizationId));
    expect(row).toMatchObject({ status: "failed", failureReason: "Stripe could not start the payment.", stripeCheckoutSessionId: null });
    // Stripe back: the next try works, on the same Stripe customer.
    const ok = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("25") });
    expect(ok.checkout_url).toMatch(/^https?:\/\//);
  });

  it("lists top-ups newest first with their payable link, receipt and status, page by page", async () => {
    const { organizationId, userId } = await newOrg();
    const a = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("10") });
    const b = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("11") });
    const c = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("12") });
    await fake.payCheckout((await rowOf(b.topUpId)).stripeCheckoutSessionId!, "card");
    await fake.expireCheckout((await rowOf(c.topUpId)).stripeCheckoutSessionId!);
    await reconcilePendingTopUps(services, { older_than_ms: 0, logger: silent });

    const all = await listTopUps(services, { organizationId, limit: 10 });
    expect(all.map((t) => t.id)).toEqual([c.topUpId, b.topUpId, a.topUpId]);
    expect(all[0]).toMatchObject({ status: "expired", checkout_url: null, credited_at: null, amount_nanos: usdToNanos("12") });
    expect(all[1]).toMatchObject({ status: "paid", checkout_url: null, receipt_url: expect.stringMatching(/^https?:\/\//), kind: "checkout" });
    expect(all[1]!.credited_at).toBeInstanceOf(Date);
    expect(all[2]).toMatchObject({ status: "pending", checkout_url: a.checkout_url, failure_reason: null });

    const page1 = await listTopUps(services, { organizationId, limit: 2 });
    const page2 = await listTopUps(services, { organizationId, limit: 2, before: page1[1]!.id });
    expect([...page1, ...page2].map((t) => t.id)).toEqual([c.topUpId, b.topUpId, a.topUpId]);
    // Another organization sees none of them, even with a cursor from this one.
    const other = await newOrg();
    expect(await listTopUps(services, { organizationId: other.organizationId, limit: 10 })).toEqual([]);
    expect(await listTopUps(services, { organizationId: other.organizationId, limit: 10, before: page1[0]!.id })).toEqual([]);
  });

  it("the reconciler credits a paid top-up whose webhooks never came, once, and leaves unpaid ones pending", async () => {
    const { organizationId, userId } = await newOrg();
    const paid = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("30") });
    const open = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("31") });
    await fake.payCheckout((await rowOf(paid.topUpId)).stripeCheckoutSessionId!, "card");

    // Too young to reconcile yet: untouched.
    const early = await reconcilePendingTopUps(services, { older_than_ms: 3_600_000, logger: silent });
    expect(early).toEqual({ checked: 0, credited: 0 });
    expect((await rowOf(paid.topUpId)).status).toBe("pending");

    const first = await reconcilePendingTopUps(services, { older_than_ms: 0, logger: silent });
    expect(first.credited).toBe(1);
    expect(first.checked).toBeGreaterThanOrEqual(2);
    const second = await reconcilePendingTopUps(services, { older_than_ms: 0, logger: silent });
    expect(second.credited).toBe(0);
    expect((await rowOf(paid.topUpId)).status).toBe("paid");
    expect((await rowOf(open.topUpId)).status).toBe("pending");
    expect(await accountBalanceNanos(services.db, "buyer_balance", organizationId)).toBe(usdToNanos("30"));
  });

  it("the reconciler keeps going when Stripe fails for one session", async () => {
    const { organizationId, userId } = await newOrg();
    const t = await createTopUp(services, { organizationId, userId, amount_nanos: usdToNanos("40") });
    await fake.payCheckout((await rowOf(t.topUpId)).stripeCheckoutSessionId!, "card");
    // The oldest pending session (an earlier test's) is re-read first and fails; this one is still reached.
    fake.failNext({ method: "GET", path: /^\/v1\/checkout\/sessions\/cs_/ }, 1, "500");
    const run = await reconcilePendingTopUps(services, { older_than_ms: 0, logger: silent });
    expect(run.credited).toBe(1);
    expect((await rowOf(t.topUpId)).status).toBe("paid");
    expect(await accountBalanceNanos(services.db, "buyer_balance", organizationId)).toBe(usdToNanos("40"));
  });
});
