import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectedAccounts, stripeEvents } from "../../../db/schema";
import { DB_KINDS } from "../../../test/database";
import { startFakeStripe, type FakeStripe } from "../../../test/fake-stripe";
import { startTestMarketplace, type TestMarketplace } from "../../../test/marketplace";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import type { JobQueue } from "../../jobs/queue";
import { createLogger } from "../../logger";
import { STRIPE_CONNECT_EVENT_HANDLERS } from "../stripe/handlers";
import type { StripeEventHandler, StripeHandlerContext } from "../stripe/handlers/types";
import { connectedAccountParams, ensureConnectedAccount } from "./ensure-connected-account";
import { createExpressDashboardLink } from "./express-dashboard-link";
import { getPayoutAccount } from "./get-payout-account";
import { refreshPayoutAccount } from "./refresh-payout-account";
import { onboardingUrls, startPayoutOnboarding } from "./start-onboarding";
import { CLICK_BURST, STRIPE_CLICK_THROTTLED_MESSAGE } from "./stripe-click-throttle";
import { syncConnectedAccount } from "./sync-connected-account";

/**
 * Connect onboarding against the in-repo fake Stripe, on both databases: the provider submits the fake's hosted
 * onboarding page over HTTP, the account.updated webhook goes through the real pipeline (signature, stored event,
 * job queue, handler), and the payout account's state follows Stripe however its events are repeated and reordered.
 */
describe.each(DB_KINDS)("Connect onboarding on %s", (kind) => {
  let fake: FakeStripe;
  let mp: TestMarketplace;
  let services: ServiceContext & { stripe: NonNullable<ServiceContext["stripe"]> };
  let hctx: StripeHandlerContext;

  beforeAll(async () => {
    fake = await startFakeStripe();
    mp = await startTestMarketplace(kind, { env: fake.env(), verification: "trust" });
    services = mp.server.runtime.services as typeof services;
    hctx = { services, jobs: mp.server.runtime.jobs as JobQueue, logger: createLogger({ level: "silent" }) };
    fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
  });
  afterAll(async () => {
    await mp?.close();
    await fake?.close();
  });

  /** Every delivery so far has arrived and been processed by the marketplace's queue. */
  const settle = async () => {
    await fake.flushWebhooks();
    await mp.stripeIdle();
  };
  const accountOf = async (organizationId: string) => {
    const [row] = await services.db.select().from(connectedAccounts).where(eq(connectedAccounts.organizationId, organizationId));
    return row!;
  };
  /** What a browser does on the hosted page: open the link, then POST the form's button. */
  const submitOnboarding = async (url: string, action: "submit" | "submit_no_tax" | "cancel") => {
    const page = await fetch(url, { redirect: "manual" });
    expect(page.status).toBe(200);
    const html = await page.text();
    const form = new RegExp(`<form method="post" action="([^"]+)"><input type="hidden" name="action" value="${action}">`).exec(html);
    expect(form, `the hosted page has a ${action} form`).not.toBeNull();
    const res = await fetch(new URL(form![1]!, url), { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ action }).toString() });
    expect(res.status).toBe(303);
    return res.headers.get("location");
  };
  const dispatch = async (event: Stripe.Event) => {
    const handler = STRIPE_CONNECT_EVENT_HANDLERS[event.type] as StripeEventHandler<Stripe.Event.Type> | undefined;
    if (!handler) throw new Error(`no Connect handler for ${event.type}`);
    await handler(hctx, event);
  };
  const accountEvents = (acct: string, type = "account.updated") => fake.events().filter((e) => e.account === acct && e.type === type);
  const onboarded = async () => {
    const provider = await mp.createProvider();
    const { url } = await startPayoutOnboarding(services, { organizationId: provider.organizationId });
    expect(await submitOnboarding(url, "submit")).toBe(onboardingUrls(services.base_url!).return_url);
    await settle();
    const row = await accountOf(provider.organizationId);
    return { organizationId: provider.organizationId, acct: row.stripeAccountId };
  };

  it("a provider onboards on the hosted page; account.updated through the webhook pipeline enables payouts", async () => {
    const { organizationId } = await mp.createProvider();
    expect(await getPayoutAccount(services, { organizationId })).toMatchObject({ stripe_configured: true, state: "not_started", stripe_account_id: null, tax: { status: "not_started" } });

    const { url } = await startPayoutOnboarding(services, { organizationId });
    const row = await accountOf(organizationId);
    const account = await fake.client().accounts.retrieve(row.stripeAccountId);
    // Exactly STRIPE.md's v1 form: Express dashboard, platform pays fees and bears losses, manual payouts.
    expect(account).toMatchObject({
      controller: { fees: { payer: "application" }, losses: { payments: "application" }, requirement_collection: "stripe", stripe_dashboard: { type: "express" } },
      capabilities: { transfers: "inactive" },
      settings: { payouts: { schedule: { interval: "manual" } } },
      metadata: { organization_id: organizationId },
      details_submitted: false,
    });
    const before = await getPayoutAccount(services, { organizationId });
    expect(before).toMatchObject({ state: "onboarding", stripe_account_id: account.id, can_receive_payouts: false, tax: { status: "needed" } });

    const returned = await submitOnboarding(url, "submit");
    expect(returned).toBe(`${services.base_url!.replace(/\/$/, "")}/dashboard/payouts?onboarding=return`);
    await settle();

    const stored = await services.db.select({ status: stripeEvents.status, account: stripeEvents.account }).from(stripeEvents).where(eq(stripeEvents.type, "account.updated"));
    expect(stored.filter((e) => e.account === account.id).map((e) => e.status)).toEqual(["processed"]);
    const after = await getPayoutAccount(services, { organizationId });
    expect(after).toMatchObject({ state: "enabled", payouts_enabled: true, details_submitted: true, can_receive_payouts: true, requirements: [], disabled_reason: null, tax: { status: "on_file" } });
    expect(await accountOf(organizationId)).toMatchObject({ detailsSubmitted: true, payoutsEnabled: true, transfersCapability: "active" });
  });

  it("repeated, reordered and concurrent account.updated deliveries leave the newest state", async () => {
    const { organizationId, acct } = await onboarded();
    await fake.requireMore(acct, ["individual.verification.document"]);
    await fake.requireMore(acct, ["individual.verification.document", "company.tax_id"], { disable: true });
    await settle();
    const newest = await getPayoutAccount(services, { organizationId });
    expect(newest).toMatchObject({ state: "action_required", payouts_enabled: false, can_receive_payouts: false, tax: { status: "needed" } });
    expect(newest.requirements.map((r) => [r.label, r.due])).toEqual([
      ["Identity document", "past_due"],
      ["Company tax ID (EIN)", "past_due"],
    ]);

    // Stripe's resend of every event (the first, "enabled", last): stored once by event id, nothing changes.
    const events = accountEvents(acct);
    expect(events.length).toBe(3);
    for (const e of [...events].reverse()) expect(await fake.resend(e.id)).toBe(200);
    await settle();
    // The handler itself, fed every event twice, oldest last and all at once: it re-reads, so the newest state stays.
    await Promise.all([...events, ...events].reverse().map(dispatch));
    expect(await getPayoutAccount(services, { organizationId })).toEqual(newest);
  });

  it("a read older than the stored one cannot put the account back in time", async () => {
    const { organizationId, acct } = await onboarded();
    const stored = await accountOf(organizationId);
    // No delivery: this test makes the reads itself.
    fake.setWebhookUrl(null);
    try {
      await fake.requireMore(acct, ["external_account"], { disable: true });
      // A sync that read Stripe before the stored read (a slow request, answered late): fenced out.
      const stale = { ...services, now: () => new Date(stored.stripeReadAt!.getTime() - 1_000) };
      expect(await syncConnectedAccount(stale, { stripeAccountId: acct })).toEqual({ organizationId, updated: false });
      expect(await accountOf(organizationId)).toEqual(stored);
      // A fresh read is newer: it is stored.
      expect(await syncConnectedAccount(services, { stripeAccountId: acct })).toEqual({ organizationId, updated: true });
      expect((await getPayoutAccount(services, { organizationId })).state).toBe("action_required");
    } finally {
      fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    }
  });

  it("Stripe asks for more: action required with labels and a deadline; onboarding again enables it", async () => {
    const { organizationId, acct } = await onboarded();
    await fake.requireMore(acct, ["individual.verification.document", "individual.address.line1"]);
    await settle();
    const view = await getPayoutAccount(services, { organizationId });
    expect(view).toMatchObject({ state: "action_required", can_receive_payouts: true });
    expect(view.requirements.filter((r) => r.due === "currently_due").map((r) => r.label)).toEqual(["Identity document", "Home address"]);
    expect(view.deadline).toBeInstanceOf(Date);

    const { url } = await startPayoutOnboarding(services, { organizationId });
    await submitOnboarding(url, "submit");
    await settle();
    expect(await getPayoutAccount(services, { organizationId })).toMatchObject({ state: "enabled", requirements: [], deadline: null });
    // Still the one account.
    expect(fake.accounts().filter((a) => a.metadata?.organization_id === organizationId).length).toBe(1);
  });

  it("submitted without tax information: payouts enabled, tax information needed", async () => {
    const { organizationId } = await mp.createProvider();
    const { url } = await startPayoutOnboarding(services, { organizationId });
    await submitOnboarding(url, "submit_no_tax");
    await settle();
    const view = await getPayoutAccount(services, { organizationId });
    expect(view).toMatchObject({ state: "enabled", can_receive_payouts: true, tax: { status: "needed" } });
    expect(view.requirements).toEqual([{ field: "individual.ssn_last_4", label: "Social Security number (for tax reporting)", due: "eventually_due", error: null }]);
  });

  it("concurrent first calls, and a retry after a crash between Stripe and the insert, converge on one account", async () => {
    const a = await mp.createProvider();
    const links = await Promise.all(Array.from({ length: 5 }, () => startPayoutOnboarding(services, { organizationId: a.organizationId })));
    expect(new Set(links.map((l) => l.url)).size).toBe(5);
    expect(fake.accounts().filter((x) => x.metadata?.organization_id === a.organizationId).length).toBe(1);
    const rows = await services.db.select().from(connectedAccounts).where(eq(connectedAccounts.organizationId, a.organizationId));
    expect(rows.length).toBe(1);

    // The first attempt's Stripe call succeeded but its answer was lost before the insert (same key, same params).
    const b = await mp.createProvider();
    const lost = await fake.client().accounts.create(connectedAccountParams(b.organizationId), { idempotencyKey: `connect_account:${b.organizationId}` });
    const row = await ensureConnectedAccount(services, { organizationId: b.organizationId });
    expect(row.stripeAccountId).toBe(lost.id);
    expect(fake.accounts().filter((x) => x.metadata?.organization_id === b.organizationId).map((x) => x.id)).toEqual([lost.id]);
  });

  it("a provider hammering the Stripe buttons is throttled per organization, before Stripe is called", async () => {
    const { organizationId } = await mp.createProvider();
    for (let i = 0; i < CLICK_BURST; i++) await startPayoutOnboarding(services, { organizationId });
    await expect(startPayoutOnboarding(services, { organizationId })).rejects.toMatchObject({ code: "rate_limited", message: STRIPE_CLICK_THROTTLED_MESSAGE });
    for (let i = 0; i < CLICK_BURST; i++) await refreshPayoutAccount(services, { organizationId });
    await expect(refreshPayoutAccount(services, { organizationId })).rejects.toMatchObject({ code: "rate_limited" });
    // Another provider is not slowed down by this one.
    const other = await mp.createProvider();
    await expect(startPayoutOnboarding(services, { organizationId: other.organizationId })).resolves.toHaveProperty("url");
  });

  it("the Express dashboard link is refused before onboarding and given after", async () => {
    const { organizationId } = await mp.createProvider();
    await expect(createExpressDashboardLink(services, { organizationId })).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/Set up payouts first/) });
    const { url } = await startPayoutOnboarding(services, { organizationId });
    await expect(createExpressDashboardLink(services, { organizationId })).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/Finish setting up payouts/) });

    // Back from onboarding before the webhook lands: the link re-reads the account rather than refuse.
    fake.setWebhookUrl(null);
    try {
      await submitOnboarding(url, "submit");
      expect((await getPayoutAccount(services, { organizationId })).state).toBe("onboarding");
      const link = await createExpressDashboardLink(services, { organizationId });
      const acct = (await accountOf(organizationId)).stripeAccountId;
      const page = await fetch(link.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(acct);
      expect((await getPayoutAccount(services, { organizationId })).state).toBe("enabled");
    } finally {
      fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    }
  });

  it("refreshPayoutAccount shows onboarding's outcome before the webhook", async () => {
    const { organizationId } = await mp.createProvider();
    const { url } = await startPayoutOnboarding(services, { organizationId });
    fake.setWebhookUrl(null);
    try {
      await submitOnboarding(url, "submit");
      expect((await getPayoutAccount(services, { organizationId })).state).toBe("onboarding");
      expect((await refreshPayoutAccount(services, { organizationId })).state).toBe("enabled");
    } finally {
      fake.setWebhookUrl(`${mp.baseUrl}/api/stripe/webhook`);
    }
  });

  it("a used onboarding link redirects to refresh_url, and the refresh gives a fresh link", async () => {
    const { organizationId } = await mp.createProvider();
    const { url } = await startPayoutOnboarding(services, { organizationId });
    expect((await fetch(url, { redirect: "manual" })).status).toBe(200);
    const again = await fetch(url, { redirect: "manual" });
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe(onboardingUrls(services.base_url!).refresh_url);
    expect(onboardingUrls(services.base_url!).refresh_url).toMatch(/\/dashboard\/payouts\?onboarding=refresh$/);

    const fresh = await startPayoutOnboarding(services, { organizationId });
    expect(fresh.url).not.toBe(url);
    await submitOnboarding(fresh.url, "submit");
    await settle();
    expect((await getPayoutAccount(services, { organizationId })).state).toBe("enabled");
  });

  it("deauthorized: payouts off with the reason, and later events cannot turn them back on", async () => {
    const { organizationId, acct } = await onboarded();
    const enabling = accountEvents(acct);
    await fake.deauthorize(acct);
    await settle();
    const [deauth] = accountEvents(acct, "account.application.deauthorized");
    expect(deauth).toBeDefined();
    const view = await getPayoutAccount(services, { organizationId });
    expect(view).toMatchObject({ state: "action_required", payouts_enabled: false, can_receive_payouts: false });
    expect(view.disabled_reason).toMatch(/no longer connected to Spotlane/);
    expect(await accountOf(organizationId)).toMatchObject({ payoutsEnabled: false, transfersCapability: "inactive" });

    // The old "enabled" event once more, and the deauthorization twice: Stripe refuses the re-read (403), state holds.
    await Promise.all([...enabling, deauth!, deauth!].map(dispatch));
    expect(await getPayoutAccount(services, { organizationId })).toMatchObject({ state: "action_required", can_receive_payouts: false });
    await expect(startPayoutOnboarding(services, { organizationId })).rejects.toMatchObject({ code: "conflict" });
    await expect(createExpressDashboardLink(services, { organizationId })).rejects.toMatchObject({ code: "conflict" });
  });

  it("an account that is not ours is left alone", async () => {
    const foreign = await fake.client().accounts.create(connectedAccountParams("org_someone_else"));
    expect(await syncConnectedAccount(services, { stripeAccountId: foreign.id })).toBeNull();
    const event = { id: "evt_foreign", object: "event", type: "account.updated", account: foreign.id, created: 1, data: { object: foreign } } as unknown as Stripe.Event;
    await dispatch(event);
    const rows = await services.db.select().from(connectedAccounts).where(eq(connectedAccounts.stripeAccountId, foreign.id));
    expect(rows).toEqual([]);
  });

  it("without Stripe: the page says so and nothing can be set up", async () => {
    const { organizationId } = await mp.createProvider();
    const local = { ...services, stripe: null };
    expect(await getPayoutAccount(local, { organizationId })).toMatchObject({ stripe_configured: false, state: "not_started" });
    await expect(startPayoutOnboarding(local, { organizationId })).rejects.toBeInstanceOf(ServiceError);
    await expect(startPayoutOnboarding(local, { organizationId })).rejects.toMatchObject({ code: "forbidden" });
    await expect(createExpressDashboardLink(local, { organizationId })).rejects.toMatchObject({ code: "forbidden" });
  });
});
