import type { ServiceContext } from "../../context";

// PLACEHOLDER (lead): the Connect helper implements this (accounts.createLoginLink).
export async function createExpressDashboardLink(_ctx: ServiceContext, _input: { organizationId: string }): Promise<{ url: string }> {
  throw new Error("not implemented yet");
}
