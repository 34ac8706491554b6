import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import { connectedAccounts, organizations } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import type { StripeBilling } from "../stripe/client";
import type { ConnectedAccountRow } from "./describe-payout-account";

const inputSchema = z.object({ organizationId: z.string().min(1).max(100) });

/** The one Stripe call that makes a provider's account: STRIPE.md "Providers: Connect" (v1, controller properties). */
export function connectedAccountParams(organizationId: string): Stripe.AccountCreateParams {
  return {
    controller: {
      // The platform pays Stripe's fees and bears negative balances, which also makes it the 1099 filer (STRIPE.md "Tax").
      fees: { payer: "application" },
      losses: { payments: "application" },
      requirement_collection: "stripe",
      stripe_dashboard: { type: "express" },
    },
    capabilities: { transfers: { requested: true } },
    // Manual: the platform decides when money leaves the provider's Stripe balance (payouts/README.md, bank payout).
    settings: { payouts: { schedule: { interval: "manual" } } },
    metadata: { organization_id: organizationId },
  };
}

/** Stripe answers 409 while another request with the same idempotency key is still in flight: wait and ask again. */
const IN_FLIGHT_RETRIES = 5;
const IN_FLIGHT_WAIT_MS = 250;

/**
 * The organization's connected account, created once. Concurrent first calls, and a retry after a crash between
 * Stripe's answer and our insert, send the same idempotency key (`connect_account:<organizationId>`), so Stripe
 * answers them all with one account; the row's primary key keeps one mapping (insert on conflict do nothing, then
 * re-select). Status columns start at their defaults: syncConnectedAccount fills them from a fresh read.
 */
export async function ensureConnectedAccount(ctx: ServiceContext & { stripe: StripeBilling }, input: { organizationId: string }): Promise<ConnectedAccountRow> {
  const { organizationId } = inputSchema.parse(input);
  const known = await accountRow(ctx, organizationId);
  if (known) return known;
  const [org] = await ctx.db.select({ deletedAt: organizations.deletedAt }).from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw new ServiceError("not_found", "No such organization.");
  if (org.deletedAt) throw new ServiceError("forbidden", "This organization is closed.");
  const account = await createAccount(ctx, organizationId);
  const at = ctx.now();
  await ctx.db.insert(connectedAccounts).values({ organizationId, stripeAccountId: account.id, createdAt: at, updatedAt: at }).onConflictDoNothing({ target: connectedAccounts.organizationId });
  const row = await accountRow(ctx, organizationId);
  if (!row) throw new Error(`connected account of ${organizationId} vanished after insert`);
  return row;
}

async function accountRow(ctx: ServiceContext, organizationId: string): Promise<ConnectedAccountRow | null> {
  const [row] = await ctx.db.select().from(connectedAccounts).where(eq(connectedAccounts.organizationId, organizationId));
  return row ?? null;
}

async function createAccount(ctx: ServiceContext & { stripe: StripeBilling }, organizationId: string): Promise<Stripe.Account> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.stripe.client.accounts.create(connectedAccountParams(organizationId), { idempotencyKey: `connect_account:${organizationId}` });
    } catch (err) {
      const status = (err as { statusCode?: unknown }).statusCode;
      if (status !== 409 || attempt >= IN_FLIGHT_RETRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_WAIT_MS * (attempt + 1)));
    }
  }
}
