import { syncConnectedAccount } from "../../connect/sync-connected-account";
import type { StripeEventHandler } from "./types";

/**
 * `account.updated` (Connect: `event.account` is the provider's account): re-reads the account and stores its
 * status if this read is newer than the stored one (server/billing/connect/sync-connected-account.ts), so
 * repeated and out-of-order deliveries leave the newest state. An account that is not ours is logged and left.
 */
export const accountUpdated: StripeEventHandler<"account.updated"> = async (ctx, event) => {
  const stripeAccountId = event.account ?? event.data.object.id;
  const result = await syncConnectedAccount(ctx.services, { stripeAccountId });
  if (!result) ctx.logger.warn({ stripe_account_id: stripeAccountId }, "account.updated for a connected account that is not ours; ignored");
};
