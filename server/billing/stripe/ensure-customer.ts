import { eq } from "drizzle-orm";
import { organizations, stripeCustomers } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import type { StripeBilling } from "./client";

/**
 * The organization's Stripe customer, created once: concurrent first calls send the same idempotency key, so
 * Stripe answers both with one customer, and the row's primary key keeps one mapping.
 */
export async function ensureStripeCustomer(ctx: ServiceContext & { stripe: StripeBilling }, organizationId: string): Promise<string> {
  const [known] = await ctx.db.select().from(stripeCustomers).where(eq(stripeCustomers.organizationId, organizationId));
  if (known) return known.stripeCustomerId;
  const [org] = await ctx.db.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw new Error(`organization ${organizationId} not found`);
  const customer = await ctx.stripe.client.customers.create({ name: org.name, metadata: { organization_id: organizationId } }, { idempotencyKey: `customer:${organizationId}` });
  await ctx.db.insert(stripeCustomers).values({ organizationId, stripeCustomerId: customer.id, createdAt: ctx.now() }).onConflictDoNothing({ target: stripeCustomers.organizationId });
  const [row] = await ctx.db.select().from(stripeCustomers).where(eq(stripeCustomers.organizationId, organizationId));
  return row!.stripeCustomerId;
}
