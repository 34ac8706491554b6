import { desc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { canaryRuns } from "../../../db/schema";

export type CanarySummary = {
  at: Date;
  ok: boolean;
  error: string | null;
  ttft_ms: number | null;
  decode_tokens_per_second: number | null;
  prefill_tokens_per_second: number | null;
  identity_match: boolean | null;
  prompt_id: string;
};

/** What the dashboard and `spotlane-agent status` show of one canary. */
const CANARY_SUMMARY_COLUMNS = {
  at: canaryRuns.at,
  ok: canaryRuns.ok,
  error: canaryRuns.error,
  ttft_ms: canaryRuns.ttftMs,
  decode_tokens_per_second: canaryRuns.decodeTokensPerSecond,
  prefill_tokens_per_second: canaryRuns.prefillTokensPerSecond,
  identity_match: canaryRuns.identityMatch,
  prompt_id: canaryRuns.promptId,
};

/** The latest `perOffer` canaries of each offer, newest first. */
export async function recentCanaries(q: Queryable, offerIds: string[], perOffer: number): Promise<Map<string, CanarySummary[]>> {
  const byOffer = new Map<string, CanarySummary[]>(offerIds.map((id) => [id, []]));
  if (offerIds.length === 0) return byOffer;
  const ranked = q
    .select({
      offerId: canaryRuns.offerId,
      ...CANARY_SUMMARY_COLUMNS,
      rn: sql<number>`row_number() over (partition by ${canaryRuns.offerId} order by ${canaryRuns.at} desc)`.as("rn"),
    })
    .from(canaryRuns)
    .where(inArray(canaryRuns.offerId, offerIds))
    .as("ranked");
  const rows = await q.select().from(ranked).where(lte(ranked.rn, perOffer)).orderBy(ranked.offerId, desc(ranked.at));
  for (const { offerId, rn: _rn, ...run } of rows) byOffer.get(offerId)?.push(run);
  return byOffer;
}

/** One offer's canaries, newest first (history for charts). */
export async function canaryHistory(q: Queryable, offerId: string, limit: number): Promise<CanarySummary[]> {
  return q
    .select(CANARY_SUMMARY_COLUMNS)
    .from(canaryRuns)
    .where(eq(canaryRuns.offerId, offerId))
    .orderBy(desc(canaryRuns.at))
    .limit(limit);
}
