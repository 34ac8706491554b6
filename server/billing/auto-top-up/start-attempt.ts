import { and, count, eq, gte, lte } from "drizzle-orm";
import { autoTopUpSettings, topUps } from "../../../db/schema";
import type { Tx } from "../../../db/client";
import { newId } from "../../../lib/ids";
import type { ServiceContext } from "../../context";
import { getBuyerBalance } from "../balances";
import { disableAutoTopUp } from "./fail-auto-top-up";
import { getBillingTerms } from "../invoicing/billing-terms";

/**
 * An attempt whose charge is in flight holds it this long (its `updated_at` is the claim): longer than the
 * Stripe client's 20 s timeout, so a live attempt is never resumed beside itself; a crashed one is resumed after.
 */
export const ATTEMPT_LEASE_MS = 60_000;
/** Circuit breaker: more successful auto top-ups than this within an hour turns auto top-up off (runaway spend). */
export const MAX_AUTO_TOP_UPS_PER_HOUR = 12;
export const TOO_MANY_AUTO_TOP_UPS_REASON = `Auto top-up charged your card ${MAX_AUTO_TOP_UPS_PER_HOUR} times within an hour, so it turned itself off rather than keep charging; raise the amount if your usage needs it, then turn it on again.`;

export type AttemptRow = typeof topUps.$inferSelect;
export type StartedAttempt = { kind: "attempt"; topUp: AttemptRow } | { kind: "not_needed" } | { kind: "in_progress" };

/**
 * Decides, in one transaction, whether to charge now, and claims the attempt that will:
 * - an auto top-up already pending is resumed (its claim renewed) once its lease has lapsed, else `in_progress`;
 * - otherwise a new pending attempt is inserted FIRST and the credit checked AFTER: the partial unique index
 *   (one pending auto top-up per organization) serializes concurrent callers, and a caller whose insert went
 *   through knows every earlier attempt is finished, so its balance read already includes that credit. An
 *   attempt that turns out not to be needed is deleted before the transaction commits (nobody ever saw it).
 */
export async function startAutoTopUpAttempt(ctx: ServiceContext, organizationId: string): Promise<StartedAttempt> {
  const now = ctx.now();
  return ctx.db.transaction(async (tx): Promise<StartedAttempt> => {
    const [pending] = await tx.select({ id: topUps.id }).from(topUps).where(and(eq(topUps.organizationId, organizationId), eq(topUps.kind, "auto"), eq(topUps.status, "pending")));
    if (pending) return claimPending(tx, pending.id, now);

    const [settings] = await tx.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.organizationId, organizationId));
    if (!settings?.enabled || !settings.stripePaymentMethodId) return { kind: "not_needed" };
    // Invoiced organizations pay their usage by invoice; charging their card as well would bill it twice.
    const billing = await getBillingTerms(tx, organizationId);
    if (billing.mode === "invoiced") return { kind: "not_needed" };

    const [inserted] = await tx
      .insert(topUps)
      .values({ id: newId("topUp"), organizationId, kind: "auto", amountNanos: settings.amountNanos, status: "pending", stripePaymentMethodId: settings.stripePaymentMethodId, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning();
    if (!inserted) return { kind: "in_progress" };

    const { available_nanos } = await getBuyerBalance(tx, organizationId, now);
    if (available_nanos >= settings.thresholdNanos) {
      await tx.delete(topUps).where(eq(topUps.id, inserted.id));
      return { kind: "not_needed" };
    }
    const [recent] = await tx
      .select({ n: count() })
      .from(topUps)
      .where(and(eq(topUps.organizationId, organizationId), eq(topUps.kind, "auto"), eq(topUps.status, "paid"), gte(topUps.createdAt, new Date(now.getTime() - 3600_000))));
    if ((recent?.n ?? 0) >= MAX_AUTO_TOP_UPS_PER_HOUR) {
      await tx.delete(topUps).where(eq(topUps.id, inserted.id));
      await disableAutoTopUp(tx, { organizationId, reason: TOO_MANY_AUTO_TOP_UPS_REASON, at: now });
      return { kind: "not_needed" };
    }
    return { kind: "attempt", topUp: inserted };
  });
}

async function claimPending(tx: Tx, topUpId: string, now: Date): Promise<StartedAttempt> {
  const [claimed] = await tx
    .update(topUps)
    .set({ updatedAt: now })
    .where(and(eq(topUps.id, topUpId), eq(topUps.status, "pending"), lte(topUps.updatedAt, new Date(now.getTime() - ATTEMPT_LEASE_MS))))
    .returning();
  return claimed ? { kind: "attempt", topUp: claimed } : { kind: "in_progress" };
}

/** The charge request ended without an answer we can act on: let the next try (the job's retry) resume at once. */
export async function releaseAttempt(ctx: ServiceContext, topUpId: string): Promise<void> {
  await ctx.db
    .update(topUps)
    .set({ updatedAt: new Date(ctx.now().getTime() - ATTEMPT_LEASE_MS) })
    .where(and(eq(topUps.id, topUpId), eq(topUps.status, "pending")));
}
