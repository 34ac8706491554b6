import { eq } from "drizzle-orm";
import { z } from "zod";
import { connectedAccounts } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { fallbackLogger } from "../../logger";
import { getPayoutAccount } from "./get-payout-account";
import { syncConnectedAccount } from "./sync-connected-account";
import { takeStripeClick } from "./stripe-click-throttle";
import type { PayoutAccountView } from "./types";

const inputSchema = z.object({ organizationId: z.string().min(1).max(100) });

/**
 * The payouts page's "back from onboarding" (`?onboarding=return`): re-reads the account from Stripe now, so the
 * page is right before Stripe's account.updated webhook lands, then returns the view. Without Stripe, or without an
 * account, it is getPayoutAccount.
 */
export async function refreshPayoutAccount(ctx: ServiceContext, input: { organizationId: string }): Promise<PayoutAccountView> {
  const { organizationId } = inputSchema.parse(input);
  if (ctx.stripe) {
    const [row] = await ctx.db.select({ stripeAccountId: connectedAccounts.stripeAccountId }).from(connectedAccounts).where(eq(connectedAccounts.organizationId, organizationId));
    if (row) {
      takeStripeClick("account_sync", organizationId, ctx.now());
      try {
        await syncConnectedAccount(ctx, { stripeAccountId: row.stripeAccountId });
      } catch (err) {
        fallbackLogger().error({ err, organization_id: organizationId }, "could not re-read the connected account");
        throw new ServiceError("upstream_error", "Stripe could not be reached to check your payout setup; try again in a moment.");
      }
    }
  }
  return getPayoutAccount(ctx, { organizationId });
}
