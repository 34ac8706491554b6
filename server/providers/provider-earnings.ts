import type { ServiceContext } from "../context";
import { accountBalanceNanos } from "../billing/balances";

/** Everything credited to the organization as a provider (platform fee already taken), from the ledger. */
export async function providerEarnings(ctx: ServiceContext, input: { organizationId: string }): Promise<{ earnings_nanos: bigint }> {
  return { earnings_nanos: await accountBalanceNanos(ctx.db, "provider_earnings", input.organizationId) };
}
