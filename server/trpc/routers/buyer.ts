import { z } from "zod";
import { getBuyerBalance } from "../../billing/balances";
import { createApiKey } from "../../buyers/create-api-key";
import { listApiKeys } from "../../buyers/list-api-keys";
import { recentRequests } from "../../buyers/recent-requests";
import { revokeApiKey } from "../../buyers/revoke-api-key";
import { monthlySpendLimitNanosFromUsd, updateApiKeySettings } from "../../buyers/update-api-key-settings";
import type { SpotlanePreferences } from "../../gateway/schemas";
import { buyerProcedure, createTRPCRouter } from "../init";

/**
 * `buyer.apiKeys.updateSettings`: a patch — a field left out keeps its value, `null` clears it (unlimited,
 * or no routing defaults). The service validates every value (routing defaults with the gateway's own
 * `spotlanePreferences`) and says what is wrong in one sentence the dashboard shows as is; the shapes
 * here only type the call.
 */
export const updateApiKeySettingsInput = z.object({
  id: z.string().min(1).max(64),
  rate_limit_per_minute: z.number().nullable().optional(),
  concurrency_limit: z.number().nullable().optional(),
  /** Decimal USD as typed ("250", "12.50"); stored as nano-USD. */
  monthly_spend_limit_usd: z.string().max(40).nullable().optional(),
  /** The body's `spotlane` shape; checked by the service (one validator, one readable message). */
  routing_defaults: z.custom<SpotlanePreferences | null>().optional(),
});
export type UpdateApiKeySettingsRequest = z.input<typeof updateApiKeySettingsInput>;

const apiKeysRouter = createTRPCRouter({
  /** Keys with their limits, routing defaults and this month's spend (UTC). */
  list: buyerProcedure.query(({ ctx }) => listApiKeys(ctx.runtime.services, { organizationId: ctx.organizationId })),
  /** The only response that ever carries the key's plaintext `secret`. */
  create: buyerProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .mutation(({ ctx, input }) => createApiKey(ctx.runtime.services, { organizationId: ctx.organizationId, userId: ctx.user.id, name: input.name })),
  revoke: buyerProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => revokeApiKey(ctx.runtime.services, { organizationId: ctx.organizationId, apiKeyId: input.id })),
  updateSettings: buyerProcedure.input(updateApiKeySettingsInput).mutation(({ ctx, input }) => {
    const { id, monthly_spend_limit_usd, ...rest } = input;
    return updateApiKeySettings(ctx.runtime.services, {
      organizationId: ctx.organizationId,
      apiKeyId: id,
      ...rest,
      monthly_spend_limit_nanos: monthlySpendLimitNanosFromUsd(monthly_spend_limit_usd),
    });
  }),
});

export const buyerRouter = createTRPCRouter({
  /** Ledger balance, held by in-flight requests, and available (credit limit included); without Stripe it is a local test balance. */
  balance: buyerProcedure.query(async ({ ctx }) => {
    const services = ctx.runtime.services;
    const { balance_nanos, held_nanos, available_nanos } = await getBuyerBalance(services.db, ctx.organizationId, services.now());
    // Without Stripe every balance comes from the local test credit (DESIGN §6): say so.
    return { balance_nanos, held_nanos, available_nanos, is_test_balance: !services.stripe };
  }),
  apiKeys: apiKeysRouter,
  requests: createTRPCRouter({
    recent: buyerProcedure.query(({ ctx }) => recentRequests(ctx.runtime.services, { organizationId: ctx.organizationId })),
  }),
});
