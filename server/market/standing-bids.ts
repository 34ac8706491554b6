import { and, asc, eq, sql } from "drizzle-orm";
import { MAX_PRICE_NANOS_PER_SECOND } from "../../lib/money";
import { standingBids } from "../../db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";

export type StandingBid = { model_id: string; bid_nanos_per_second: bigint; created_at: Date; updated_at: Date };

/** Same shape as the ids agents register (`name:quant`); generous, but no spaces or control characters. */
const MODEL_ID = /^[\w.:/+-]{1,200}$/;

const columns = { model_id: standingBids.modelId, bid_nanos_per_second: standingBids.bidNanosPerSecond, created_at: standingBids.createdAt, updated_at: standingBids.updatedAt };

export async function listStandingBids(ctx: ServiceContext, input: { organizationId: string }): Promise<StandingBid[]> {
  return ctx.db.select(columns).from(standingBids).where(eq(standingBids.organizationId, input.organizationId)).orderBy(asc(standingBids.modelId));
}

/**
 * Sets (or replaces) the organization's standing bid for a model: the most it pays per slot-second in any
 * hardware market of the model. From the next clearing tick its recent usage enters demand at this price.
 */
export async function setStandingBid(ctx: ServiceContext, input: { organizationId: string; modelId: string; bid_nanos_per_second: bigint }): Promise<StandingBid> {
  if (!MODEL_ID.test(input.modelId)) throw new ServiceError("invalid_input", "Model ids are 1–200 letters, digits and . : / + - _ characters.", { param: "model_id" });
  if (input.bid_nanos_per_second <= 0n) throw new ServiceError("invalid_input", "A bid must be above zero.", { param: "max_price_usd_per_second" });
  if (input.bid_nanos_per_second > MAX_PRICE_NANOS_PER_SECOND) throw new ServiceError("invalid_input", "A bid may be at most $1,000 per slot-second.", { param: "max_price_usd_per_second" });
  const now = ctx.now();
  const [row] = await ctx.db
    .insert(standingBids)
    .values({ organizationId: input.organizationId, modelId: input.modelId, bidNanosPerSecond: input.bid_nanos_per_second, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [standingBids.organizationId, standingBids.modelId], set: { bidNanosPerSecond: sql`excluded.bid_nanos_per_second`, updatedAt: now } })
    .returning(columns);
  return row!;
}

/** Removes the bid; the organization then pays the spot price. Removing a missing bid is a no-op. */
export async function removeStandingBid(ctx: ServiceContext, input: { organizationId: string; modelId: string }): Promise<{ removed: boolean }> {
  const rows = await ctx.db
    .delete(standingBids)
    .where(and(eq(standingBids.organizationId, input.organizationId), eq(standingBids.modelId, input.modelId)))
    .returning({ model_id: standingBids.modelId });
  return { removed: rows.length > 0 };
}

/** The bid a request runs under: the lower of its own and its organization's standing bid (a cap); null = none. */
export function effectiveBidNanos(request_bid: bigint | null | undefined, standing_bid: bigint | null | undefined): bigint | null {
  const bids = [request_bid, standing_bid].filter((b): b is bigint => b !== null && b !== undefined);
  if (bids.length === 0) return null;
  return bids.reduce((min, b) => (b < min ? b : min));
}
