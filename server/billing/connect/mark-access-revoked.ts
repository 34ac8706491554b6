import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { connectedAccounts, type ConnectRequirements } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { DEAUTHORIZED_REASON } from "./requirement-labels";

const NO_REQUIREMENTS: ConnectRequirements = { currently_due: [], eventually_due: [], past_due: [], pending_verification: [], disabled_reason: null, current_deadline: null, errors: [] };

/**
 * The platform lost access to the account (`account.application.deauthorized`, or Stripe answering 403 to a
 * re-read): nothing can be sent to it, so it is marked unable to receive payouts (payouts disabled, `transfers`
 * inactive, our own disabled reason for the page). No Stripe call: Stripe would refuse it. `at` counts as a read
 * of the account (stripe_read_at): an older read still in flight cannot re-enable it; a later successful read
 * (access restored) can. Returns whether the row was written.
 */
export async function markAccountAccessRevoked(ctx: ServiceContext, input: { stripeAccountId: string; at: Date }): Promise<boolean> {
  const rows = await ctx.db
    .update(connectedAccounts)
    .set({
      payoutsEnabled: false,
      transfersCapability: "inactive",
      // Only the reason changes: what Stripe last said it needs stays on the page.
      requirements: sql`coalesce(${connectedAccounts.requirements}, ${JSON.stringify(NO_REQUIREMENTS)}::jsonb) || ${JSON.stringify({ disabled_reason: DEAUTHORIZED_REASON })}::jsonb`,
      stripeReadAt: input.at,
      updatedAt: ctx.now(),
    })
    .where(and(eq(connectedAccounts.stripeAccountId, input.stripeAccountId), or(isNull(connectedAccounts.stripeReadAt), lt(connectedAccounts.stripeReadAt, input.at))))
    .returning({ organizationId: connectedAccounts.organizationId });
  return rows.length > 0;
}
