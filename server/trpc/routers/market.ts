import { listLiveOffers } from "../../market/list-live-offers";
import { createTRPCRouter, protectedProcedure } from "../init";

/** Market data is visible to any signed-in user, whatever their organization or role. */
export const marketRouter = createTRPCRouter({
  offers: protectedProcedure.query(({ ctx }) => listLiveOffers(ctx.runtime.services)),
});
