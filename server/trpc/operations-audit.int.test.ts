import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, topUps } from "../../db/schema";
import { usdToNanos } from "../../lib/money";
import { DB_KINDS } from "../../test/database";
import { startFakeStripe, type FakeStripe } from "../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { createTopUp } from "../billing/top-ups/create-top-up";
import { listAudit } from "../finance/audit/list-audit";
import type { AuditAction } from "../finance/audit/actions";
import { createTRPCContext } from "./init";
import { createCaller } from "./root";

/** Operators' billing and payout actions each leave one audit entry naming the operator, after they succeed. */
describe.each(DB_KINDS)("operator actions in the audit log on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  const operatorEmail = `ops-${randomBytes(3).toString("hex")}@test.local`;

  beforeAll(async () => {
    fake = await startFakeStripe();
    mp = await startTestMarketplace(kind, { env: { ...fake.env(), OPERATOR_EMAILS: operatorEmail } });
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  const svc = () => mp.server.runtime.services;
  const entries = async (action: AuditAction) => listAudit(svc(), { limit: 50, action });

  async function operator() {
    const { headers, response } = await mp.server.runtime.auth.api.signUpEmail({ body: { email: operatorEmail, password: "password123", name: "ops" }, returnHeaders: true });
    const userId = (response as { user: { id: string } }).user.id;
    const cookie = new Headers({ cookie: headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") });
    return { userId, caller: createCaller(await createTRPCContext({ headers: cookie })) };
  }

  it("records payouts.run, billing.terms and billing.refund with the operator as actor; a refused action records nothing", async () => {
    // The start itself recorded the settings it runs with (server/main.ts).
    expect((await entries("settings.platform_fee")).map((e) => e.details)).toEqual([{ from: null, to: String(svc().platform_fee_bps) }]);
    expect(await entries("settings.payout_policy")).toHaveLength(1);

    const ops = await operator();
    const actor = { actor_email: operatorEmail };

    const run = await ops.caller.operations.runPayouts();
    const [runEntry, ...moreRuns] = await entries("payouts.run");
    expect(moreRuns).toEqual([]);
    expect(runEntry).toMatchObject({ ...actor, subject: run.runId, details: { payouts_created: String(run.payouts_created), total_nanos: run.total_nanos.toString(), bank_payouts_retried: "0", organizations_not_paid: "0" } });

    const buyer = await mp.createBuyer({ credit_usd: "0" });
    const terms = await ops.caller.operations.setOrganizationBilling({ organization_id: buyer.organizationId, mode: "prepaid", credit_limit_usd: "250.5" });
    expect(terms.mode).toBe("prepaid");
    expect(await entries("billing.terms")).toMatchObject([{ ...actor, subject: buyer.organizationId, organization_id: buyer.organizationId, details: { mode: "prepaid", credit_limit_nanos: usdToNanos("250.5").toString() } }]);
    // Refused (no such organization): nothing recorded.
    await expect(ops.caller.operations.setOrganizationBilling({ organization_id: `org_${"0".repeat(26)}`, mode: "prepaid", credit_limit_usd: "1" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await entries("billing.terms")).toHaveLength(1);

    const { topUpId } = await createTopUp(svc(), { organizationId: buyer.organizationId, userId: ops.userId, amount_nanos: usdToNanos("20") });
    const [pending] = await mp.server.runtime.database.db.select().from(topUps).where(eq(topUps.id, topUpId));
    expect((await fake.payCheckout(pending!.stripeCheckoutSessionId!, "card")).error).toBeNull();
    await fake.flushWebhooks();
    await mp.stripeIdle();
    const refund = await ops.caller.operations.refundTopUp({ top_up_id: topUpId, amount_usd: "4.25", request_key: "audit-refund-0001" });
    expect(await entries("billing.refund")).toMatchObject([{ ...actor, subject: topUpId, details: { refund_id: refund.refundId, amount_nanos: usdToNanos("4.25").toString(), status: refund.status, request_key: "audit-refund-0001" } }]);
    // More than remains: Stripe refuses, nothing recorded.
    await expect(ops.caller.operations.refundTopUp({ top_up_id: topUpId, amount_usd: "20", request_key: "audit-refund-0002" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await entries("billing.refund")).toHaveLength(1);

    // Replaying dead letters and retrying failed Stripe events move money too: both are on record, even when there was nothing to do.
    await ops.caller.operations.replayDeadLetters({});
    expect(await entries("settlements.replay")).toMatchObject([{ ...actor, subject: "all open", details: { settled: "0", failed: "0" } }]);
    await ops.caller.operations.retryStripeEvents({});
    expect(await entries("stripe_events.retry")).toMatchObject([{ ...actor, subject: "all failed", details: { requeued: "0" } }]);

    // The entries carry the operator's user id too (the view shows the email).
    const rows = await mp.server.runtime.database.db.select({ action: auditLog.action, user: auditLog.actorUserId }).from(auditLog).where(eq(auditLog.actorEmail, operatorEmail));
    expect(rows.map((r) => r.user)).toEqual([ops.userId, ops.userId, ops.userId, ops.userId, ops.userId]);
    await fake.flushWebhooks();
    await mp.stripeIdle();
  });
});
