import { sql } from "drizzle-orm";
import { formatUsd } from "../../lib/money";
import { newId } from "../../lib/ids";
import { reservations } from "../../db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { getBuyerBalance } from "./balances";

/** A hold lapses on its own after this, so a crashed gateway cannot freeze a balance. */
export const RESERVATION_TTL_MS = 10 * 60_000;

/**
 * Admission (DESIGN §6): holds `amount_nanos` of the buyer's balance for one request, or throws
 * `insufficient_balance`. Serialized per organization (advisory transaction lock on PostgreSQL;
 * PGlite runs one transaction at a time anyway) so concurrent requests cannot overspend.
 */
export async function reserveFunds(ctx: ServiceContext, input: { organizationId: string; requestId: string; amount_nanos: bigint }): Promise<{ reservationId: string }> {
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"reserve:" + input.organizationId}))`);
    const { available_nanos } = await getBuyerBalance(tx, input.organizationId, now);
    if (available_nanos <= 0n || available_nanos < input.amount_nanos) {
      throw new ServiceError(
        "insufficient_balance",
        `Your balance is exhausted: ${formatUsd(available_nanos < 0n ? 0n : available_nanos, 2)} available, this request may cost up to ${formatUsd(input.amount_nanos, 2)}. Add credit in the dashboard.`,
      );
    }
    const id = newId("reservation");
    await tx.insert(reservations).values({
      id,
      organizationId: input.organizationId,
      requestId: input.requestId,
      amountNanos: input.amount_nanos,
      createdAt: now,
      expiresAt: new Date(now.getTime() + RESERVATION_TTL_MS),
    });
    return { reservationId: id };
  });
}
