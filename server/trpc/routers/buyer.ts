import { z } from "zod";
import { getBuyerBalance } from "../../billing/balances";
import { createApiKey } from "../../buyers/create-api-key";
import { listApiKeys } from "../../buyers/list-api-keys";
import { recentRequests } from "../../buyers/recent-requests";
import { revokeApiKey } from "../../buyers/revoke-api-key";
import { buyerProcedure, createTRPCRouter } from "../init";

const apiKeysRouter = createTRPCRouter({
  list: buyerProcedure.query(({ ctx }) => listApiKeys(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** The only response that ever carries the key's plaintext `secret`. */
  create: buyerProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .mutation(({ ctx, input }) => createApiKey(ctx.runtime.services, { organizationId: ctx.organizationId, userId: ctx.user.id, name: input.name })),
  revoke: buyerProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => revokeApiKey(ctx.runtime.services, { organizationId: ctx.organizationId, apiKeyId: input.id })),
});

export const buyerRouter = createTRPCRouter({
  /** Ledger balance, held by in-flight requests, and available; without Stripe it is a local test balance. */
  balance: buyerProcedure.query(async ({ ctx }) => {
    const services = ctx.runtime.services;
    const balance = await getBuyerBalance(services.db, ctx.organizationId, services.now());
    // Until Stripe top-ups exist every balance comes from the local test credit (DESIGN §6): say so.
    return { ...balance, is_test_balance: true as const };
  }),
  apiKeys: apiKeysRouter,
  requests: createTRPCRouter({
    recent: buyerProcedure.query(({ ctx }) => recentRequests(ctx.runtime.services, { organizationId: ctx.organizationId })),
  }),
});
