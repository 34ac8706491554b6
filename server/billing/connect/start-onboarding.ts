import { z } from "zod";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { fallbackLogger } from "../../logger";
import { requireStripe } from "../stripe/client";
import { ensureConnectedAccount } from "./ensure-connected-account";
import { DEAUTHORIZED_REASON } from "./requirement-labels";
import { takeStripeClick } from "./stripe-click-throttle";

const inputSchema = z.object({ organizationId: z.string().min(1).max(100) });

/** Where Stripe sends the provider back: the payouts page, which asks for a fresh link on `refresh`. */
export function onboardingUrls(base_url: string): { refresh_url: string; return_url: string } {
  const page = `${base_url.replace(/\/$/, "")}/dashboard/payouts`;
  return { refresh_url: `${page}?onboarding=refresh`, return_url: `${page}?onboarding=return` };
}

/**
 * "Set up payouts" (and "Continue with Stripe" while Stripe needs more): makes sure the organization has its
 * connected account, then a Stripe account link into hosted onboarding. Links are single-use and expire within
 * minutes, so none is stored: every click asks for a new one, and Stripe's redirect of a used or expired link to
 * `refresh_url` lands on the payouts page, which calls this again.
 */
export async function startPayoutOnboarding(ctx: ServiceContext, input: { organizationId: string }): Promise<{ url: string }> {
  const sctx = requireStripe(ctx);
  const { organizationId } = inputSchema.parse(input);
  takeStripeClick("onboarding_link", organizationId, ctx.now());
  if (!ctx.base_url) throw new Error("startPayoutOnboarding: services.base_url is unset (onboarding needs return and refresh links)");
  const account = await ensureConnectedAccount(sctx, { organizationId }).catch(upstream("could not create a connected account", organizationId));
  if (account.requirements?.disabled_reason === DEAUTHORIZED_REASON) {
    throw new ServiceError("conflict", "This Stripe account is no longer connected to Spotlane, so it cannot be set up here. Contact support to connect a new one.");
  }
  const link = await sctx.stripe.client.accountLinks
    .create({ account: account.stripeAccountId, type: "account_onboarding", ...onboardingUrls(ctx.base_url) })
    .catch(upstream("could not create an onboarding link", organizationId));
  return { url: link.url };
}

/** Stripe's own message may quote account details: it goes to the log, the provider gets a sentence. */
function upstream(what: string, organizationId: string) {
  return (err: unknown): never => {
    if (err instanceof ServiceError) throw err;
    fallbackLogger().error({ err, organization_id: organizationId }, what);
    throw new ServiceError("upstream_error", "Stripe could not start payout setup; try again in a moment.");
  };
}
