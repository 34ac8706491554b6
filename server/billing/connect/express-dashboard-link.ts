import { eq } from "drizzle-orm";
import { z } from "zod";
import { connectedAccounts } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { fallbackLogger } from "../../logger";
import { requireStripe } from "../stripe/client";
import { DEAUTHORIZED_REASON } from "./requirement-labels";
import { syncConnectedAccount } from "./sync-connected-account";
import { takeStripeClick } from "./stripe-click-throttle";

const inputSchema = z.object({ organizationId: z.string().min(1).max(100) });

/**
 * A one-time link into the provider's Stripe Express dashboard (their balance, bank payouts, tax forms Stripe
 * delivers). Stripe only gives one once onboarding is finished (details submitted), so we refuse before that with
 * a sentence instead of Stripe's error. Not stored: login links are single-use.
 */
export async function createExpressDashboardLink(ctx: ServiceContext, input: { organizationId: string }): Promise<{ url: string }> {
  const sctx = requireStripe(ctx);
  const { organizationId } = inputSchema.parse(input);
  takeStripeClick("dashboard_link", organizationId, ctx.now());
  let account = await accountOf(ctx, organizationId);
  if (!account) throw new ServiceError("conflict", "Set up payouts first: there is no Stripe account to open yet.");
  // Our copy may lag (the provider is back from onboarding before the webhook): ask Stripe before refusing.
  if (!account.detailsSubmitted) {
    await syncConnectedAccount(sctx, { stripeAccountId: account.stripeAccountId }).catch(upstream(organizationId));
    account = (await accountOf(ctx, organizationId)) ?? account;
  }
  if (account.requirements?.disabled_reason === DEAUTHORIZED_REASON) throw new ServiceError("conflict", "This Stripe account is no longer connected to Spotlane.");
  if (!account.detailsSubmitted) throw new ServiceError("conflict", "Finish setting up payouts with Stripe first; the Stripe dashboard opens once onboarding is complete.");
  const link = await sctx.stripe.client.accounts.createLoginLink(account.stripeAccountId).catch(upstream(organizationId));
  return { url: link.url };
}

async function accountOf(ctx: ServiceContext, organizationId: string) {
  const [row] = await ctx.db.select().from(connectedAccounts).where(eq(connectedAccounts.organizationId, organizationId));
  return row ?? null;
}

/** Stripe's own message may quote account details: it goes to the log, the provider gets a sentence. */
function upstream(organizationId: string) {
  return (err: unknown): never => {
    fallbackLogger().error({ err, organization_id: organizationId }, "could not open the Express dashboard");
    throw new ServiceError("upstream_error", "Stripe could not open your dashboard; try again in a moment.");
  };
}
