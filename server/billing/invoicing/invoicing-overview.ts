import { asc, desc, eq, sql } from "drizzle-orm";
import { meterOutbox, METER_OUTBOX_STATUSES, organizationBilling, organizations, type MeterOutboxStatus } from "../../../db/schema";
import type { Queryable } from "../../../db/client";
import type { ServiceContext } from "../../context";

export type MeterOutboxSummary = {
  by_status: Record<MeterOutboxStatus, { count: number; value_nanos: bigint }>;
  /** Rows an operator must settle by hand (never re-sent): newest first. */
  stuck: { id: string; organization_id: string; identifier: string; value_nanos: bigint; hour_start: Date; first_sent_at: Date | null; last_error: string | null }[];
};

/** The meter outbox at a glance (operations page, and the `spotlane_meter_outbox_rows` gauge). */
export async function meterOutboxCounts(q: Queryable): Promise<MeterOutboxSummary["by_status"]> {
  const rows = await q
    .select({ status: meterOutbox.status, count: sql<number>`count(*)::int`, value: sql<string>`coalesce(sum(${meterOutbox.valueNanos}), 0)::text` })
    .from(meterOutbox)
    .groupBy(meterOutbox.status);
  const by_status = Object.fromEntries(METER_OUTBOX_STATUSES.map((s) => [s, { count: 0, value_nanos: 0n }])) as MeterOutboxSummary["by_status"];
  for (const r of rows) by_status[r.status] = { count: r.count, value_nanos: BigInt(r.value) };
  return by_status;
}

export async function meterOutboxSummary(ctx: Pick<ServiceContext, "db">): Promise<MeterOutboxSummary> {
  const stuck = await ctx.db
    .select({
      id: meterOutbox.id,
      organization_id: meterOutbox.organizationId,
      identifier: meterOutbox.identifier,
      value_nanos: meterOutbox.valueNanos,
      hour_start: meterOutbox.hourStart,
      first_sent_at: meterOutbox.firstSentAt,
      last_error: meterOutbox.lastError,
    })
    .from(meterOutbox)
    .where(eq(meterOutbox.status, "stuck"))
    .orderBy(desc(meterOutbox.hourStart))
    .limit(200);
  return { by_status: await meterOutboxCounts(ctx.db), stuck };
}

/** Organizations with billing terms set (invoiced ones first), for the operations page. */
export async function listOrganizationBilling(ctx: Pick<ServiceContext, "db">) {
  return ctx.db
    .select({
      organization_id: organizationBilling.organizationId,
      name: organizations.name,
      mode: organizationBilling.mode,
      credit_limit_nanos: organizationBilling.creditLimitNanos,
      standing: organizationBilling.standing,
      standing_reason: organizationBilling.standingReason,
      stripe_subscription_id: organizationBilling.stripeSubscriptionId,
      updated_at: organizationBilling.updatedAt,
    })
    .from(organizationBilling)
    .innerJoin(organizations, eq(organizations.id, organizationBilling.organizationId))
    .orderBy(asc(organizationBilling.mode), asc(organizations.name))
    .limit(500);
}
