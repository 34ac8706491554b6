import { markAccountAccessRevoked } from "../../connect/mark-access-revoked";
import type { StripeEventHandler } from "./types";

/**
 * `account.application.deauthorized` (Connect: `event.account` is the provider's account): the platform lost
 * access to it, so nothing can be paid there. Marks it unable to receive payouts without calling Stripe (Stripe
 * refuses the platform that account now). Repeats write again harmlessly; an older read still in flight cannot
 * undo it (the stripe_read_at fence).
 */
export const accountApplicationDeauthorized: StripeEventHandler<"account.application.deauthorized"> = async (ctx, event) => {
  const stripeAccountId = event.account;
  if (!stripeAccountId) {
    ctx.logger.warn("account.application.deauthorized without an account; ignored");
    return;
  }
  const updated = await markAccountAccessRevoked(ctx.services, { stripeAccountId, at: ctx.services.now() });
  if (updated) ctx.logger.warn({ stripe_account_id: stripeAccountId }, "the platform lost access to a connected account: payouts to it are off");
  else ctx.logger.info({ stripe_account_id: stripeAccountId }, "account.application.deauthorized for an account that is not ours (or already newer); nothing changed");
};
