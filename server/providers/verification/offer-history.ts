import { and, count, desc, eq, isNotNull } from "drizzle-orm";
import { modelFingerprints, offers, requests } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { canaryHistory, type CanarySummary } from "./recent-canaries";
import { PROMPT_SET_VERSION } from "./prompts";
import { buyerObservation } from "./statistics";

export type OfferVerificationHistory = {
  offer_id: string;
  model_id: string;
  claimed_decode_tokens_per_second: number;
  claimed_decode_corrected_from: number | null;
  verified_decode_tokens_per_second: number | null;
  verified_ttft_ms: number | null;
  /** Newest first. */
  canaries: CanarySummary[];
  /** Completed streamed buyer requests as observations, newest first. */
  buyer: { at: Date; ttft_ms: number | null; decode_tokens_per_second: number | null }[];
  /** Where the model's expected outputs come from: reference (seeded), first_use (trust on first use), or none yet. */
  fingerprint: { source: "reference" | "first_use" | "mixed" | "none"; prompts: number; prompt_set_version: string };
};

/** One offer's measured history for the provider's dashboard (their own offers only). */
export async function offerVerificationHistory(ctx: ServiceContext, input: { organizationId: string; offerId: string; limit?: number }): Promise<OfferVerificationHistory> {
  const limit = Math.min(Math.max(input.limit ?? 100, 1), 500);
  const [offer] = await ctx.db
    .select({
      id: offers.id,
      modelId: offers.modelId,
      claimed: offers.claimedDecodeTokensPerSecond,
      correctedFrom: offers.claimedDecodeCorrectedFrom,
      verifiedDecode: offers.verifiedDecodeTokensPerSecond,
      verifiedTtft: offers.verifiedTtftMs,
    })
    .from(offers)
    .where(and(eq(offers.id, input.offerId), eq(offers.organizationId, input.organizationId)))
    .limit(1);
  if (!offer) throw new ServiceError("not_found", `Offer ${input.offerId} is not one of this organization's offers.`);
  const canaries = await canaryHistory(ctx.db, offer.id, limit);
  const rows = await ctx.db
    .select({ dispatchedAt: requests.dispatchedAt, status: requests.status, stream: requests.stream, ttftMs: requests.ttftMs, computeMs: requests.computeMs, promptTokens: requests.promptTokens, completionTokens: requests.completionTokens })
    .from(requests)
    .where(and(eq(requests.offerId, offer.id), eq(requests.status, "completed"), eq(requests.stream, true), isNotNull(requests.ttftMs)))
    .orderBy(desc(requests.dispatchedAt))
    .limit(limit);
  const buyer = rows.flatMap((r) => {
    const o = buyerObservation(r);
    return o ? [{ at: o.at, ttft_ms: o.ttft_ms, decode_tokens_per_second: o.decode_tokens_per_second }] : [];
  });
  const sources = await ctx.db
    .select({ source: modelFingerprints.source, n: count() })
    .from(modelFingerprints)
    .where(and(eq(modelFingerprints.modelId, offer.modelId), eq(modelFingerprints.promptSetVersion, PROMPT_SET_VERSION)))
    .groupBy(modelFingerprints.source);
  const prompts = sources.reduce((s, r) => s + r.n, 0);
  const source = sources.length === 0 ? "none" : sources.length > 1 ? "mixed" : (sources[0]!.source as "reference" | "first_use");
  return {
    offer_id: offer.id,
    model_id: offer.modelId,
    claimed_decode_tokens_per_second: offer.claimed,
    claimed_decode_corrected_from: offer.correctedFrom,
    verified_decode_tokens_per_second: offer.verifiedDecode,
    verified_ttft_ms: offer.verifiedTtft,
    canaries,
    buyer,
    fingerprint: { source, prompts, prompt_set_version: PROMPT_SET_VERSION },
  };
}
