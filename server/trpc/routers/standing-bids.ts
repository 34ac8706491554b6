import { z } from "zod";
import { usdToNanos } from "../../../lib/money";
import { listStandingBids, removeStandingBid, setStandingBid } from "../../market/standing-bids";
import { buyerProcedure, createTRPCRouter } from "../init";

const modelId = z.string().trim().min(1).max(200);

/** A buyer organization's standing bids per model (DESIGN §4): the most it pays per slot-second. */
export const standingBidsRouter = createTRPCRouter({
  list: buyerProcedure.query(({ ctx }) => listStandingBids(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** The price is decimal USD per slot-second as typed ("0.0002"), up to nine decimals (one nano-dollar). */
  set: buyerProcedure
    .input(z.object({ model_id: modelId, max_price_usd_per_second: z.string().trim().regex(/^\d+(\.\d{1,9})?$/, "a USD amount with at most 9 decimals, like 0.0002") }))
    .mutation(({ ctx, input }) =>
      setStandingBid(ctx.runtime.services, { organizationId: ctx.organizationId, modelId: input.model_id, bid_nanos_per_second: usdToNanos(input.max_price_usd_per_second) }),
    ),
  remove: buyerProcedure.input(z.object({ model_id: modelId })).mutation(({ ctx, input }) => removeStandingBid(ctx.runtime.services, { organizationId: ctx.organizationId, modelId: input.model_id })),
});
