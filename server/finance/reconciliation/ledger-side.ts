import { and, gte, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { journalEntries, ledgerLines } from "../../../db/schema";
import type { Period } from "../period";
import type { LedgerEntry } from "./match";

/** Stripe object ids of the journal entries posted in `period` (fee entries included: they carry their source's id). */
export async function ledgerStripeIdsIn(q: Queryable, period: Period): Promise<string[]> {
  const rows = await q
    .selectDistinct({ id: journalEntries.stripeObjectId })
    .from(journalEntries)
    .where(and(isNotNull(journalEntries.stripeObjectId), gte(journalEntries.createdAt, period.start), lt(journalEntries.createdAt, period.end)));
  return rows.map((r) => r.id).filter((id): id is string => id !== null);
}

const CHUNK = 500;

/**
 * Every journal entry linked to one of `ids`, whenever it was posted (a webhook handled after the period still
 * matches what Stripe did inside it), with its Stripe clearing lines summed and the organization it concerns.
 */
export async function ledgerEntriesFor(q: Queryable, ids: string[]): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await q
      .select({
        id: journalEntries.id,
        kind: journalEntries.kind,
        stripe_object_id: journalEntries.stripeObjectId,
        at: sql<Date>`coalesce(${journalEntries.occurredAt}, ${journalEntries.createdAt})`.mapWith(journalEntries.createdAt),
        clearing: sql<string>`coalesce(sum(${ledgerLines.amountNanos}) filter (where ${ledgerLines.account} = 'stripe_clearing'), 0)::text`,
        organization_id: sql<string | null>`max(${ledgerLines.organizationId})`,
      })
      .from(journalEntries)
      .leftJoin(ledgerLines, sql`${ledgerLines.journalEntryId} = ${journalEntries.id}`)
      .where(inArray(journalEntries.stripeObjectId, unique.slice(i, i + CHUNK)))
      .groupBy(journalEntries.id);
    for (const r of rows) {
      out.push({ id: r.id, kind: r.kind, stripe_object_id: r.stripe_object_id as string, at: r.at, clearing_nanos: BigInt(r.clearing), organization_id: r.organization_id });
    }
  }
  return out;
}
