import { and, eq, isNull, lt, or } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import { connectedAccounts, type ConnectRequirements } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { requireStripe } from "../stripe/client";
import { markAccountAccessRevoked } from "./mark-access-revoked";

const inputSchema = z.object({ stripeAccountId: z.string().min(1).max(255) });

export type SyncConnectedAccountResult = {
  organizationId: string;
  /** false: a newer read was already stored (this one lost the race), so nothing was written. */
  updated: boolean;
};

/**
 * Re-reads a connected account from Stripe and stores its status (details submitted, payouts enabled, the
 * `transfers` capability, requirements). Never trusts an event body: account.updated events arrive repeated
 * and out of order, and a fresh read is the account as it is. The read's time is taken before the call and the
 * UPDATE is fenced on `stripe_read_at`, so a slow read that returns after a newer one was stored cannot put the
 * account back in time. An account that is not ours (no row) → null, without a call to Stripe.
 * Stripe refusing us the account (403: access revoked) marks it unable to receive payouts; other Stripe errors
 * throw (the event is retried).
 */
export async function syncConnectedAccount(ctx: ServiceContext, input: { stripeAccountId: string }): Promise<SyncConnectedAccountResult | null> {
  const sctx = requireStripe(ctx);
  const { stripeAccountId } = inputSchema.parse(input);
  const [row] = await ctx.db.select({ organizationId: connectedAccounts.organizationId }).from(connectedAccounts).where(eq(connectedAccounts.stripeAccountId, stripeAccountId));
  if (!row) return null;
  const read_at = ctx.now();
  let account: Stripe.Account;
  try {
    account = await sctx.stripe.client.accounts.retrieve(stripeAccountId);
  } catch (err) {
    if (!lostAccess(err)) throw err;
    const updated = await markAccountAccessRevoked(ctx, { stripeAccountId, at: read_at });
    return { organizationId: row.organizationId, updated };
  }
  const updatedRows = await ctx.db
    .update(connectedAccounts)
    .set({
      detailsSubmitted: account.details_submitted ?? false,
      payoutsEnabled: account.payouts_enabled ?? false,
      // Absent = never requested (an account someone else made); transfers need exactly `active`.
      transfersCapability: account.capabilities?.transfers ?? "unrequested",
      requirements: requirementsOf(account.requirements),
      stripeReadAt: read_at,
      updatedAt: ctx.now(),
    })
    .where(and(eq(connectedAccounts.stripeAccountId, stripeAccountId), or(isNull(connectedAccounts.stripeReadAt), lt(connectedAccounts.stripeReadAt, read_at))))
    .returning({ organizationId: connectedAccounts.organizationId });
  return { organizationId: row.organizationId, updated: updatedRows.length > 0 };
}

/** Stripe's `requirements` with its nullable lists made plain (db/schema/payouts.ts ConnectRequirements). */
export function requirementsOf(r: Stripe.Account.Requirements | undefined | null): ConnectRequirements {
  return {
    currently_due: r?.currently_due ?? [],
    eventually_due: r?.eventually_due ?? [],
    past_due: r?.past_due ?? [],
    pending_verification: r?.pending_verification ?? [],
    disabled_reason: r?.disabled_reason ?? null,
    current_deadline: r?.current_deadline ?? null,
    errors: (r?.errors ?? []).map((e) => ({ requirement: e.requirement, code: e.code, reason: e.reason })),
  };
}

/**
 * Stripe answers 403 (permission_error, or `account_invalid`) for an account the platform no longer has access to
 * (the account was deauthorized); retrying cannot help, and nothing can be sent to it.
 */
function lostAccess(err: unknown): boolean {
  const e = err as { statusCode?: unknown; type?: unknown; code?: unknown };
  return e?.statusCode === 403 || e?.type === "StripePermissionError" || e?.code === "account_invalid";
}
