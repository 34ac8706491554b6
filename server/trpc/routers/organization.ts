import { z } from "zod";
import { closeOrganization } from "../../auth/close-organization";
import { ServiceError } from "../../errors";
import { adminProcedure, createTRPCRouter } from "../init";

export const organizationRouter = createTRPCRouter({
  /**
   * Closes the active organization (a soft delete; see server/auth/close-organization.ts). The id must be
   * named and match the active one, so a stale tab cannot close a different organization than it shows.
   */
  close: adminProcedure.input(z.object({ organizationId: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    if (input.organizationId !== ctx.organizationId) throw new ServiceError("invalid_input", "You can only close the organization you are signed in to.");
    const result = await closeOrganization(ctx.runtime.services, { organizationId: ctx.organizationId });
    // Its offers leave the gateway's snapshot now, not at the next refresh.
    ctx.runtime.offerBook?.invalidate();
    ctx.runtime.logger?.info({ organization_id: result.organization_id, buyer_balance_nanos: String(result.buyer_balance_nanos), provider_earnings_nanos: String(result.provider_earnings_nanos) }, "organization closed");
    return result;
  }),
});
