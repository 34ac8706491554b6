import type { ServiceContext } from "../../context";

// PLACEHOLDER (lead): the Connect helper implements this. Re-reads the account from Stripe; writes only if newer than stored.
export async function syncConnectedAccount(_ctx: ServiceContext, _input: { stripeAccountId: string }): Promise<{ organizationId: string } | null> {
  throw new Error("not implemented yet");
}
