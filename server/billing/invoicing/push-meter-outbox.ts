import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { meterOutbox, stripeCustomers } from "../../../db/schema";
import type { StripeBilling } from "../stripe/client";
import { HOUR_MS } from "./meter-outbox";
import { meterParts, meterRetryDelayMs } from "./meter-values";

export type MeterPushConfig = {
  /** An hour's row closes this long after the hour ends (settlements of its last requests are still landing). */
  close_grace_ms: number;
  /** Stripe dedupes identifiers for at least 24 h: a row not confirmed this long after its first push is never re-sent. */
  stuck_after_ms: number;
  /** Stripe refuses meter events older than 35 days; kept an hour inside it so a push in flight is not refused. */
  max_age_ms: number;
  /** A claimed row is not picked again for this long (a pusher that died mid-push releases it by this lapsing). */
  claim_ms: number;
  batch_size: number;
};

export const DEFAULT_METER_PUSH: MeterPushConfig = {
  close_grace_ms: 60_000,
  stuck_after_ms: 23 * HOUR_MS,
  max_age_ms: 35 * 24 * HOUR_MS - HOUR_MS,
  claim_ms: 5 * 60_000,
  batch_size: 100,
};

export const STUCK_UNCONFIRMED = "Not confirmed by Stripe within 23 h of its first push: Stripe's identifier dedupe (24 h) would no longer catch a re-send, so it is never re-sent. Check the meter's events in Stripe for this identifier and bill any difference by hand.";
export const STUCK_TOO_OLD = "The usage hour is older than Stripe's 35-day limit on meter event timestamps, so it cannot be pushed. Bill it by hand.";

type Ctx = { db: Db; stripe: StripeBilling };

/** open → sending for every row whose hour ended more than the grace ago (one statement). */
export async function closeDueMeterRows(db: Db, now: Date, cfg: MeterPushConfig = DEFAULT_METER_PUSH): Promise<number> {
  const closed = await db
    .update(meterOutbox)
    .set({ status: "sending" })
    .where(and(eq(meterOutbox.status, "open"), lte(meterOutbox.hourStart, new Date(now.getTime() - HOUR_MS - cfg.close_grace_ms))))
    .returning({ id: meterOutbox.id });
  return closed.length;
}

/** sending → stuck: unconfirmed 23 h after the first push, or too old for Stripe. Rows claimed by a push in flight wait. */
export async function markStuckMeterRows(db: Db, now: Date, cfg: MeterPushConfig = DEFAULT_METER_PUSH): Promise<number> {
  const idle = and(eq(meterOutbox.status, "sending"), or(isNull(meterOutbox.nextAttemptAt), lte(meterOutbox.nextAttemptAt, now)));
  const unconfirmed = await db
    .update(meterOutbox)
    .set({ status: "stuck", lastError: STUCK_UNCONFIRMED, nextAttemptAt: null })
    .where(and(idle, lt(meterOutbox.firstSentAt, new Date(now.getTime() - cfg.stuck_after_ms))))
    .returning({ id: meterOutbox.id });
  const tooOld = await db
    .update(meterOutbox)
    .set({ status: "stuck", lastError: STUCK_TOO_OLD, nextAttemptAt: null })
    .where(and(idle, lt(meterOutbox.hourStart, new Date(now.getTime() - cfg.max_age_ms))))
    .returning({ id: meterOutbox.id });
  return unconfirmed.length + tooOld.length;
}

export type ClaimedMeterRow = { id: string; organizationId: string; hourStart: Date; identifier: string; value_nanos: bigint; attempts: number; stripeCustomerId: string | null };

/**
 * Claims due `sending` rows for this pusher: FOR UPDATE SKIP LOCKED, and the claim pushes `next_attempt_at`
 * ahead, so two processes never push one row at once. `first_sent_at` is recorded BEFORE the first push, so
 * a pusher that dies after Stripe accepted still leaves the row inside the 23 h rule.
 */
export async function claimMeterRows(db: Db, now: Date, cfg: MeterPushConfig = DEFAULT_METER_PUSH): Promise<ClaimedMeterRow[]> {
  const due = db
    .select({ id: meterOutbox.id })
    .from(meterOutbox)
    .where(and(eq(meterOutbox.status, "sending"), or(isNull(meterOutbox.nextAttemptAt), lte(meterOutbox.nextAttemptAt, now))))
    .orderBy(asc(meterOutbox.hourStart), asc(meterOutbox.seq))
    .limit(cfg.batch_size)
    .for("update", { skipLocked: true });
  const rows = await db
    .update(meterOutbox)
    .set({ attempts: sql`${meterOutbox.attempts} + 1`, firstSentAt: sql`coalesce(${meterOutbox.firstSentAt}, ${now.toISOString()}::timestamptz)`, nextAttemptAt: new Date(now.getTime() + cfg.claim_ms) })
    .where(inArray(meterOutbox.id, due))
    .returning();
  if (rows.length === 0) return [];
  const customers = await db.select().from(stripeCustomers).where(inArray(stripeCustomers.organizationId, [...new Set(rows.map((r) => r.organizationId))]));
  const customerOf = new Map(customers.map((c) => [c.organizationId, c.stripeCustomerId]));
  return rows
    .map((r) => ({ id: r.id, organizationId: r.organizationId, hourStart: r.hourStart, identifier: r.identifier, value_nanos: r.valueNanos, attempts: r.attempts, stripeCustomerId: customerOf.get(r.organizationId) ?? null }))
    .sort((a, b) => a.hourStart.getTime() - b.hourStart.getTime());
}

/** Stripe's answer to a repeated identifier: the event is already there, which is what we wanted. */
export function isDuplicateMeterEvent(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; statusCode?: unknown };
  if (e?.code === "duplicate_meter_event") return true;
  // The code is sometimes missing (STRIPE.md): match Stripe's message too.
  const message = typeof e?.message === "string" ? e.message : "";
  return /identifier/i.test(message) && /(already|duplicate|exists)/i.test(message);
}

export type SendResult = { ok: true } | { ok: false; error: string };

/** Pushes one claimed row (every part of it) to the Billing Meter; a duplicate counts as accepted. */
export async function sendMeterRow(stripe: StripeBilling, row: ClaimedMeterRow): Promise<SendResult> {
  if (!row.stripeCustomerId) return { ok: false, error: "The organization has no Stripe customer (mark it invoiced again to create one)." };
  for (const part of meterParts(row.identifier, row.value_nanos)) {
    try {
      await stripe.client.billing.meterEvents.create({
        event_name: stripe.meter_event_name,
        payload: { stripe_customer_id: row.stripeCustomerId, value: part.value },
        identifier: part.identifier,
        timestamp: Math.floor(row.hourStart.getTime() / 1000),
      });
    } catch (err) {
      if (isDuplicateMeterEvent(err)) continue;
      return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 1000) : String(err).slice(0, 1000) };
    }
  }
  return { ok: true };
}

/** delivered, or back to waiting with a backoff; only a row still `sending` changes (stuck is final). */
export async function recordMeterResult(db: Db, row: ClaimedMeterRow, result: SendResult, now: Date): Promise<void> {
  const where = and(eq(meterOutbox.id, row.id), eq(meterOutbox.status, "sending"));
  if (result.ok) await db.update(meterOutbox).set({ status: "delivered", deliveredAt: now, lastError: null, nextAttemptAt: null }).where(where);
  else await db.update(meterOutbox).set({ lastError: result.error, nextAttemptAt: new Date(now.getTime() + meterRetryDelayMs(row.attempts)) }).where(where);
}

export type MeterPushOutcome = { closed: number; stuck: number; delivered: number; failed: number };

/** One pass of the push worker: close ended hours, set aside what can no longer be pushed safely, push the rest. */
export async function pushMeterOutbox(ctx: Ctx, now: Date, cfg: MeterPushConfig = DEFAULT_METER_PUSH): Promise<MeterPushOutcome> {
  const closed = await closeDueMeterRows(ctx.db, now, cfg);
  const stuck = await markStuckMeterRows(ctx.db, now, cfg);
  let delivered = 0;
  let failed = 0;
  for (const row of await claimMeterRows(ctx.db, now, cfg)) {
    const result = await sendMeterRow(ctx.stripe, row);
    await recordMeterResult(ctx.db, row, result, now);
    if (result.ok) delivered++;
    else failed++;
  }
  return { closed, stuck, delivered, failed };
}
