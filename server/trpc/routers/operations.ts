import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { isOperator } from "../../auth/operators";
import { countOpenDeadLetters, listDeadLetters, replayDeadLetters } from "../../billing/dead-letters";
import { refundTopUp } from "../../billing/adjustments/refund-top-up";
import { usdToNanos } from "../../../lib/money";
import { createTRPCRouter, protectedProcedure } from "../init";

/** Platform operators only (OPERATOR_EMAILS); everyone else gets FORBIDDEN, whatever their organization role. */
const operatorProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!isOperator(ctx.runtime.env.OPERATOR_EMAILS, ctx.user.email)) throw new TRPCError({ code: "FORBIDDEN", message: "This needs a platform operator (OPERATOR_EMAILS)." });
  return next();
});

/** Settlements the ledger refused: each still holds its cost against the buyer until replayed. */
export const operationsRouter = createTRPCRouter({
  deadLetters: operatorProcedure.query(async ({ ctx }) => ({
    open: await listDeadLetters(ctx.runtime.services),
    totals: await countOpenDeadLetters(ctx.runtime.services),
  })),
  replayDeadLetters: operatorProcedure
    .input(z.object({ request_ids: z.array(z.string().regex(/^req_[0-9A-Z]{26}$/)).max(500).optional() }))
    .mutation(({ ctx, input }) => replayDeadLetters(ctx.runtime.services, input.request_ids ? { requestIds: input.request_ids } : {})),
  /** Refund (part of) a paid top-up at Stripe; `request_key` is one per click, so a repeat refunds once. */
  refundTopUp: operatorProcedure
    .input(z.object({ top_up_id: z.string().regex(/^tu_[0-9a-z]{26}$/), amount_usd: z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, "a USD amount in whole cents, like 12.50").optional(), request_key: z.string().regex(/^[0-9A-Za-z-]{8,64}$/) }))
    .mutation(({ ctx, input }) => refundTopUp(ctx.runtime.services, { topUpId: input.top_up_id, amount_nanos: input.amount_usd === undefined ? undefined : usdToNanos(input.amount_usd), requestKey: input.request_key })),
});
