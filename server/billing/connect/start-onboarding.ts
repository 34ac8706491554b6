import type { ServiceContext } from "../../context";

// PLACEHOLDER (lead): the Connect helper implements this. Creates the account if needed, returns a Stripe account link.
export async function startPayoutOnboarding(_ctx: ServiceContext, _input: { organizationId: string }): Promise<{ url: string }> {
  throw new Error("not implemented yet");
}
