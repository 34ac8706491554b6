import { and, count, desc, eq, gte, isNotNull, ne, sql } from "drizzle-orm";
import { canaryRuns, machines, offers, requests } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import type { ServiceContext } from "../../context";
import { checkIdentity } from "./check-identity";
import type { VerificationConfig } from "./config";
import { establishFingerprintsOnFirstUse } from "./establish-fingerprints";
import { loadProbeConcurrency } from "./plan-canary";
import { isKnownHardwareClass } from "./plausibility";
import { PROMPT_SET_VERSION, type CanaryPrompt } from "./prompts";
import { reliabilityScore, RELIABILITY_CANARY_WINDOW, RELIABILITY_REQUEST_WINDOW_MS } from "./reliability";
import { nextCanaryAt, nextVerificationState, runPassed, type RunSummary, type SuspensionReason, type VerificationDecision, type VerificationStatus } from "./rules";
import type { CanaryMeasurement } from "./send-canary";
import { buyerObservation, verifiedFigures, type Observation } from "./statistics";

/** Runs kept in view for the rules: enough for every window they use, plus one full-load probe's streams. */
const RUNS_IN_VIEW = 40;

/**
 * Records one canary, or the streams of one full-load probe (never billed: only this table, no request row, no ledger line), then
 * re-evaluates the offer in the same transaction: identity against the fingerprint, verified medians
 * over canaries and buyer streams since the last registration, the state machine (rules.ts),
 * reliability, and when the next canary goes out. A verified offer establishes missing fingerprints
 * (trust on first use).
 */
export async function recordCanaryResult(
  ctx: ServiceContext,
  input: {
    offerId: string;
    machineId: string;
    modelId: string;
    /** Streams sent at once (1, or a full-load probe's). */
    concurrency?: number;
    runs: { prompt: CanaryPrompt; measurement: CanaryMeasurement }[];
    config: VerificationConfig;
    random: () => number;
  },
): Promise<{ runIds: string[]; identity_match: (boolean | null)[]; decision: VerificationDecision }> {
  const { config } = input;
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const runIds: string[] = [];
    const identities: (boolean | null)[] = [];
    let lastFailed: RunSummary | null = null;
    for (const { prompt, measurement } of input.runs) {
      let m = measurement;
      const identity = m.ok ? await checkIdentity(tx, { modelId: input.modelId, promptSetVersion: PROMPT_SET_VERSION, promptId: prompt.id, output_sha256: m.output_sha256 }) : { match: null, completion_tokens: null };
      // The model's own text with another token count: the usage report is made up (quotes are priced from it).
      if (identity.match === true && identity.completion_tokens !== null && m.completion_tokens !== identity.completion_tokens) m = { ...m, ok: false, error: "usage_mismatch" };
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
        concurrency: input.concurrency ?? 1,
        stream: m.stream,
        promptSetVersion: PROMPT_SET_VERSION,
        promptId: prompt.id,
        outputSha256: m.output_sha256,
        identityMatch: identity.match,
      });
      runIds.push(runId);
      identities.push(identity.match);
      const summary = { at: m.at, ok: m.ok, identity_match: identity.match, decode_tokens_per_second: m.decode_tokens_per_second, completion_tokens: m.completion_tokens };
      if (!runPassed(summary)) lastFailed = summary;
    }

    // Serializes with a concurrent (re-)registration of the same offer.
    const [offer] = await tx
      .select({
        status: offers.verificationStatus,
        suspendedReason: offers.suspendedReason,
        suspendedAt: offers.suspendedAt,
        lastRegisteredAt: offers.lastRegisteredAt,
        claimedDecode: offers.claimedDecodeTokensPerSecond,
        claimedDecodeCorrectedFrom: offers.claimedDecodeCorrectedFrom,
        hardwareClass: offers.hardwareClass,
        registeredSlots: offers.registeredSlots,
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
        stream: canaryRuns.stream,
        concurrency: canaryRuns.concurrency,
      })
      .from(canaryRuns)
      .where(eq(canaryRuns.offerId, input.offerId))
      .orderBy(desc(canaryRuns.at))
      .limit(RUNS_IN_VIEW + config.max_probe_concurrency);
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
      hardware_known: isKnownHardwareClass(offer.hardwareClass),
      load_probe_concurrency: loadProbeConcurrency(offer.registeredSlots, config),
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

    // A probe with one failed stream is confirmed quickly, like a failed single canary.
    const next = nextCanaryAt({ state: decision, last_run: lastFailed ?? sinceRegistration[0] ?? null, runs_since_registration: sinceRegistration.length, now, random: input.random }, config);
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
    return { runIds, identity_match: identities, decision };
  });
}
