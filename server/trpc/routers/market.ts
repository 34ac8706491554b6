import { z } from "zod";
import { listLiveOffers } from "../../market/list-live-offers";
import { HISTORY_MAX_SPAN_MS, listMarkets, marketDepth, marketHistory } from "../../market/market-data";
import { createTRPCRouter, protectedProcedure } from "../init";

const marketInput = z.object({ model_id: z.string().min(1).max(200), hardware_class: z.string().min(1).max(100) });

/** Market data is visible to any signed-in user, whatever their organization or role. */
export const marketRouter = createTRPCRouter({
  offers: protectedProcedure.query(({ ctx }) => listLiveOffers(ctx.runtime.services)),
  /** Each market's latest clearing tick: spot, supply, demand, utilization. */
  markets: protectedProcedure.query(({ ctx }) => listMarkets(ctx.runtime.services)),
  /** Price, supply and demand over [since, until) (at most 24 h), averaged into ≤ 360 buckets. */
  history: protectedProcedure
    .input(marketInput.extend({ since: z.date().optional(), until: z.date().optional(), span_ms: z.number().int().positive().max(HISTORY_MAX_SPAN_MS).optional() }))
    .query(({ ctx, input }) => {
      const until = input.until ?? ctx.runtime.services.now();
      const since = input.since ?? new Date(until.getTime() - (input.span_ms ?? 5 * 60_000));
      return marketHistory(ctx.runtime.services, { model_id: input.model_id, hardware_class: input.hardware_class, since, until });
    }),
  /** The supply and demand curves the clearing engine sees now, per price level. */
  depth: protectedProcedure.input(marketInput).query(({ ctx, input }) => marketDepth(ctx.runtime.services, input)),
});
