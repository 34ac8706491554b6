import { count, eq, sql } from "drizzle-orm";
import { canaryRuns, offers } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import type { DueOffer } from "./claim-due-offers";
import type { VerificationConfig } from "./config";
import { loadProbeConcurrency, planCanary } from "./plan-canary";
import { canaryPromptFor } from "./prompts";
import { recordCanaryResult } from "./record-canary-result";
import { sendCanary, type CanaryMeasurement } from "./send-canary";
import { loadProbeDecodeRate } from "./statistics";

/**
 * One canary to one claimed offer: plan it (plan-canary.ts: streamed, non-streamed, or a full-load
 * probe of every registered slot at once), send it with round-robin prompts, record and re-evaluate.
 * A probe's streams are recorded together, each with the probe's per-stream decode rate.
 */
export async function runCanary(ctx: ServiceContext, offer: DueOffer, opts: { config: VerificationConfig; random: () => number; signal?: AbortSignal }) {
  const need = loadProbeConcurrency(offer.registeredSlots, opts.config);
  const since = sql`${canaryRuns.at} >= ${offers.lastRegisteredAt}`;
  const [history] = await ctx.db
    .select({
      total: count(),
      since: sql<number>`count(*) filter (where ${since})`.mapWith(Number),
      singles: sql<number>`count(*) filter (where ${since} and ${canaryRuns.concurrency} = 1 and ${canaryRuns.stream} and ${canaryRuns.ok})`.mapWith(Number),
      probed: sql<number>`count(*) filter (where ${since} and ${canaryRuns.concurrency} >= ${need} and ${canaryRuns.ok} and ${canaryRuns.identityMatch} is not false)`.mapWith(Number),
    })
    .from(canaryRuns)
    .innerJoin(offers, eq(offers.id, canaryRuns.offerId))
    .where(eq(canaryRuns.offerId, offer.offerId));
  const plan = planCanary(
    { runs_since_registration: history?.since ?? 0, single_streams_since_registration: history?.singles ?? 0, registered_slots: offer.registeredSlots, load_probed_since_registration: (history?.probed ?? 0) > 0, idle: offer.activeSlots === 0, random: opts.random },
    opts.config,
  );
  const concurrency = plan.kind === "load" ? plan.concurrency : 1;
  const prompts = Array.from({ length: concurrency }, (_, i) => canaryPromptFor((history?.total ?? 0) + i));
  const sent = await Promise.all(
    prompts.map((prompt) =>
      sendCanary(offer, {
        modelId: offer.modelId,
        prompt,
        max_tokens: opts.config.max_tokens,
        stream: plan.kind === "load" ? true : plan.stream,
        max_response_bytes: opts.config.max_response_bytes,
        headers_timeout_ms: opts.config.headers_timeout_ms,
        total_timeout_ms: opts.config.total_timeout_ms,
        signal: opts.signal,
        now: ctx.now,
        policy: ctx.endpoint_policy,
      }),
    ),
  );
  if (opts.signal?.aborted) {
    // Shutting down: the cut-off canary says nothing about the provider. Due again at once for whoever runs next.
    await ctx.db.update(offers).set({ nextCanaryAt: ctx.now() }).where(eq(offers.id, offer.offerId));
    return null;
  }
  let measurements: CanaryMeasurement[] = sent;
  if (concurrency > 1) {
    // The per-stream speed with every slot busy: streams served one after another stretch the probe's span.
    const perStream = loadProbeDecodeRate(sent.filter((m) => m.ok), concurrency);
    measurements = sent.map((m) => (m.ok ? { ...m, decode_tokens_per_second: perStream } : m));
  }
  return recordCanaryResult(ctx, {
    offerId: offer.offerId,
    machineId: offer.machineId,
    modelId: offer.modelId,
    runs: measurements.map((measurement, i) => ({ prompt: prompts[i]!, measurement })),
    concurrency,
    config: opts.config,
    random: opts.random,
  });
}
