import { and, count, desc, eq, gte, isNotNull, ne, sql } from "drizzle-orm";
import { canaryRuns, machines, offers, requests } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import type { ServiceContext } from "../../context";
import { checkIdentity } from "./check-identity";
import type { VerificationConfig } from "./config";
import { establishFingerprintsOnFirstUse } from "./establish-fingerprints";
import { PROMPT_SET_VERSION, type CanaryPrompt } from "./prompts";
import { reliabilityScore, RELIABILITY_CANARY_WINDOW, RELIABILITY_REQUEST_WINDOW_MS } from "./reliability";
import { nextCanaryAt, nextVerificationState, runPassed, type RunSummary, type SuspensionReason, type VerificationDecision, type VerificationStatus } from "./rules";
import type { CanaryMeasurement } from "./send-canary";
import { buyerObservation, verifiedFigures, type Observation } from "./statistics";

/** Runs kept in view for the rules: enough for every window they use. */
const RUNS_IN_VIEW = 40;

/**
 * Records one canary (never billed: only this table, no request row, no ledger line), then
 * re-evaluates the offer in the same transaction: identity against the fingerprint, verified medians
 * over canaries and buyer streams since the last registration, the state machine (rules.ts),
 * reliability, and when the next canary goes out. A verified offer establishes missing fingerprints
 * (trust on first use).
 */
export async function recordCanaryResult(
  ctx: ServiceContext,
  input: { offerId: string; machineId: string; modelId: string; prompt: CanaryPrompt; measurement: CanaryMeasurement; config: VerificationConfig; random: () => number },
): Promise<{ runId: string; identity_match: boolean | null; decision: VerificationDecision }> {
  const { measurement: m, config } = input;
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const identity_match = m.ok
      ? await checkIdentity(tx, { modelId: input.modelId, promptSetVersion: PROMPT_SET_VERSION, promptId: input.prompt.id, output_sha256: m.output_sha256 })
      : null;
    const runId = newId("canaryRun");
    await tx.insert(canaryRuns).values({
      id: runId,
      offerId: input.offerId,
      machineId: input.machineId,
      modelId: input.modelId,
      requestId: m.requestId,
      at: m.at,
      ok: m.ok,
      error: m.error,
      ttftMs: m.ttft_ms,
      durationMs: m.duration_ms,
      decodeTokensPerSecond: m.decode_tokens_per_second,
      prefillTokensPerSecond: m.prefill_tokens_per_second,
      promptTokens: m.prompt_tokens,
      completionTokens: m.completion_tokens,
      promptSetVersion: PROMPT_SET_VERSION,
      promptId: input.prompt.id,
      outputSha256: m.output_sha256,
      identityMatch: identity_match,
    });

    // Serializes with a concurrent (re-)registration of the same offer.
    const [offer] = await tx
      .select({
        status: offers.verificationStatus,
        suspendedReason: offers.suspendedReason,
        suspendedAt: offers.suspendedAt,
        lastRegisteredAt: offers.lastRegisteredAt,
        claimedDecode: offers.claimedDecodeTokensPerSecond,
        claimedDecodeCorrectedFrom: offers.claimedDecodeCorrectedFrom,
        heartbeatUpMs: machines.heartbeatUpMs,
        heartbeatObservedMs: machines.heartbeatObservedMs,
      })
      .from(offers)
      .innerJoin(machines, eq(machines.id, offers.machineId))
      .where(eq(offers.id, input.offerId))
      .for("update", { of: offers });
    if (!offer) throw new Error(`offer ${input.offerId} vanished`);

    const runs = await tx
      .select({
        at: canaryRuns.at,
        ok: canaryRuns.ok,
        identity_match: canaryRuns.identityMatch,
        ttft_ms: canaryRuns.ttftMs,
        decode_tokens_per_second: canaryRuns.decodeTokensPerSecond,
        prefill_tokens_per_second: canaryRuns.prefillTokensPerSecond,
        prompt_tokens: canaryRuns.promptTokens,
        completion_tokens: canaryRuns.completionTokens,
      })
      .from(canaryRuns)
      .where(eq(canaryRuns.offerId, input.offerId))
      .orderBy(desc(canaryRuns.at))
      .limit(RUNS_IN_VIEW);
    const sinceRegistration = runs.filter((r) => r.at.getTime() >= offer.lastRegisteredAt.getTime());

    const buyerRows = await tx
      .select({ dispatchedAt: requests.dispatchedAt, status: requests.status, stream: requests.stream, ttftMs: requests.ttftMs, computeMs: requests.computeMs, promptTokens: requests.promptTokens, completionTokens: requests.completionTokens })
      .from(requests)
      .where(and(eq(requests.offerId, input.offerId), gte(requests.dispatchedAt, offer.lastRegisteredAt), eq(requests.status, "completed"), eq(requests.stream, true), isNotNull(requests.ttftMs)))
      .orderBy(desc(requests.dispatchedAt))
      .limit(config.window_observations);
    const observations: Observation[] = [
      ...sinceRegistration.filter((r) => r.ok).map((r) => ({ ...r, source: "canary" as const })),
      ...buyerRows.map(buyerObservation).filter((o): o is Observation => o !== null),
    ];
    const figures = verifiedFigures(observations, config.window_observations);

    const state = {
      status: offer.status as VerificationStatus,
      suspended_reason: offer.suspendedReason as SuspensionReason | null,
      suspended_at: offer.suspendedAt,
      last_registered_at: offer.lastRegisteredAt,
      claimed_decode_tokens_per_second: offer.claimedDecode,
    };
    const summaries: RunSummary[] = sinceRegistration;
    const decision = nextVerificationState(state, summaries, config);

    const [dispatches] = await tx
      .select({ total: count(), failed: sql<number>`count(*) filter (where ${requests.status} = 'failed')`.mapWith(Number) })
      .from(requests)
      .where(and(eq(requests.offerId, input.offerId), ne(requests.status, "aborted"), gte(requests.dispatchedAt, new Date(now.getTime() - RELIABILITY_REQUEST_WINDOW_MS))));
    const recent = runs.slice(0, RELIABILITY_CANARY_WINDOW);
    const reliability = reliabilityScore({
      heartbeat_up_ms: offer.heartbeatUpMs,
      heartbeat_observed_ms: offer.heartbeatObservedMs,
      buyer_requests: dispatches?.total ?? 0,
      buyer_failed: dispatches?.failed ?? 0,
      canary_runs: recent.length,
      canary_passed: recent.filter(runPassed).length,
    });

    const next = nextCanaryAt({ state: decision, last_run: sinceRegistration[0] ?? null, runs_since_registration: sinceRegistration.length, now, random: input.random }, config);
    await tx
      .update(offers)
      .set({
        verificationStatus: decision.status,
        suspendedReason: decision.suspended_reason,
        suspendedAt: decision.suspended_at,
        ...(decision.corrected_claim !== null
          ? { claimedDecodeTokensPerSecond: decision.corrected_claim, claimedDecodeCorrectedFrom: offer.claimedDecodeCorrectedFrom ?? offer.claimedDecode }
          : {}),
        // A figure nothing speaks to since the registration keeps its last value rather than going blank.
        ...(figures.decode_tokens_per_second !== null ? { verifiedDecodeTokensPerSecond: figures.decode_tokens_per_second } : {}),
        ...(figures.prefill_tokens_per_second !== null ? { verifiedPrefillTokensPerSecond: figures.prefill_tokens_per_second } : {}),
        ...(figures.ttft_ms !== null ? { verifiedTtftMs: figures.ttft_ms } : {}),
        ...(figures.observations > 0 ? { verifiedObservations: figures.observations, verifiedAt: now } : {}),
        reliabilityScore: reliability,
        nextCanaryAt: next,
      })
      .where(eq(offers.id, input.offerId));

    if (decision.status === "verified") {
      await establishFingerprintsOnFirstUse(tx, { offerId: input.offerId, modelId: input.modelId, promptSetVersion: PROMPT_SET_VERSION, now });
    }
    return { runId, identity_match, decision };
  });
}
