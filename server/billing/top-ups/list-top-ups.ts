import { and, desc, eq, lt, or } from "drizzle-orm";
import { z } from "zod";
import { topUps, type TopUpKind, type TopUpStatus } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { CHECKOUT_SESSION_LIFETIME_MS } from "./create-top-up";

export type TopUpView = {
  id: string;
  kind: TopUpKind;
  amount_nanos: bigint;
  status: TopUpStatus;
  failure_reason: string | null;
  receipt_url: string | null;
  /** Stripe's hosted page, only while the top-up is pending and its session can still be paid. */
  checkout_url: string | null;
  created_at: Date;
  credited_at: Date | null;
};

export type ListTopUpsInput = {
  organizationId: string;
  limit: number;
  /** Cursor: the id of the last top-up of the previous page (pages go newest first). */
  before?: string;
};

const inputSchema = z.object({ organizationId: z.string().min(1).max(100), limit: z.number().int().min(1).max(200), before: z.string().min(1).max(100).optional() });

/** The organization's top-ups, newest first, as the Billing page lists them. */
export async function listTopUps(ctx: ServiceContext, input: ListTopUpsInput): Promise<TopUpView[]> {
  const { organizationId, limit, before } = inputSchema.parse(input);
  let cursor: { createdAt: Date; id: string } | undefined;
  if (before) {
    [cursor] = await ctx.db.select({ createdAt: topUps.createdAt, id: topUps.id }).from(topUps).where(and(eq(topUps.id, before), eq(topUps.organizationId, organizationId)));
    if (!cursor) return [];
  }
  const rows = await ctx.db
    .select()
    .from(topUps)
    .where(and(eq(topUps.organizationId, organizationId), cursor ? or(lt(topUps.createdAt, cursor.createdAt), and(eq(topUps.createdAt, cursor.createdAt), lt(topUps.id, cursor.id))) : undefined))
    .orderBy(desc(topUps.createdAt), desc(topUps.id))
    .limit(limit);
  const payableSince = ctx.now().getTime() - CHECKOUT_SESSION_LIFETIME_MS;
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    amount_nanos: r.amountNanos,
    status: r.status,
    failure_reason: r.failureReason,
    receipt_url: r.receiptUrl,
    checkout_url: r.status === "pending" && r.createdAt.getTime() > payableSince ? r.checkoutUrl : null,
    created_at: r.createdAt,
    credited_at: r.creditedAt,
  }));
}
