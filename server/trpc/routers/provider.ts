import { z } from "zod";
import { createAgentToken } from "../../providers/create-agent-token";
import { listAgentTokens } from "../../providers/list-agent-tokens";
import { listProviderMachines } from "../../providers/list-machines";
import { providerEarnings } from "../../providers/provider-earnings";
import { revokeAgentToken } from "../../providers/revoke-agent-token";
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
});
