import { z } from "zod";
import { createAgentToken } from "../../providers/create-agent-token";
import { listAgentTokens } from "../../providers/list-agent-tokens";
import { listProviderMachines } from "../../providers/list-machines";
import { providerEarnings } from "../../providers/provider-earnings";
import { revokeAgentToken } from "../../providers/revoke-agent-token";
import { offerVerificationHistory } from "../../providers/verification/offer-history";
import { createTRPCRouter, providerProcedure } from "../init";

const agentTokensRouter = createTRPCRouter({
  list: providerProcedure.query(({ ctx }) => listAgentTokens(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** The only response that ever carries the plaintext `token`. */
  create: providerProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .mutation(({ ctx, input }) => createAgentToken(ctx.runtime.services, { organizationId: ctx.organizationId, name: input.name })),
  revoke: providerProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => revokeAgentToken(ctx.runtime.services, { organizationId: ctx.organizationId, agentTokenId: input.id })),
});

export const providerRouter = createTRPCRouter({
  agentTokens: agentTokensRouter,
  machines: providerProcedure.query(({ ctx }) => listProviderMachines(ctx.runtime.services, { organizationId: ctx.organizationId })),
  earnings: providerProcedure.query(({ ctx }) => providerEarnings(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** One offer's canaries and buyer-stream observations over time: claimed vs verified throughput ("why no traffic"). */
  offerHistory: providerProcedure
    .input(z.object({ offerId: z.string().min(1).max(64), limit: z.number().int().min(1).max(500).optional() }))
    .query(({ ctx, input }) => offerVerificationHistory(ctx.runtime.services, { organizationId: ctx.organizationId, offerId: input.offerId, limit: input.limit })),
});
