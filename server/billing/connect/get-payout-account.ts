import { eq } from "drizzle-orm";
import { z } from "zod";
import { connectedAccounts } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { describePayoutAccount } from "./describe-payout-account";
import type { PayoutAccountView } from "./types";

const inputSchema = z.object({ organizationId: z.string().min(1).max(100) });

/**
 * The provider's payout account from our copy of Stripe's account object: no Stripe call, so it works with
 * Stripe slow or not configured (`stripe_configured: false`, state `not_started`: nothing can be set up).
 */
export async function getPayoutAccount(ctx: ServiceContext, input: { organizationId: string }): Promise<PayoutAccountView> {
  const { organizationId } = inputSchema.parse(input);
  const [row] = await ctx.db.select().from(connectedAccounts).where(eq(connectedAccounts.organizationId, organizationId));
  return describePayoutAccount(row ?? null, { stripe_configured: Boolean(ctx.stripe) });
}
