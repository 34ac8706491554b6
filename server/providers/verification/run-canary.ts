import { count, eq } from "drizzle-orm";
import { canaryRuns, offers } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import type { DueOffer } from "./claim-due-offers";
import type { VerificationConfig } from "./config";
import { canaryPromptFor } from "./prompts";
import { recordCanaryResult } from "./record-canary-result";
import { sendCanary } from "./send-canary";

/** One canary to one claimed offer: pick the prompt (round robin), send it, record and re-evaluate. */
export async function runCanary(ctx: ServiceContext, offer: DueOffer, opts: { config: VerificationConfig; random: () => number; signal?: AbortSignal }) {
  const [sent] = await ctx.db.select({ n: count() }).from(canaryRuns).where(eq(canaryRuns.offerId, offer.offerId));
  const prompt = canaryPromptFor(sent?.n ?? 0);
  const measurement = await sendCanary(offer, {
    modelId: offer.modelId,
    prompt,
    max_tokens: opts.config.max_tokens,
    headers_timeout_ms: opts.config.headers_timeout_ms,
    total_timeout_ms: opts.config.total_timeout_ms,
    signal: opts.signal,
    now: ctx.now,
    policy: ctx.endpoint_policy,
  });
  if (opts.signal?.aborted) {
    // Shutting down: the cut-off canary says nothing about the provider. Due again at once for whoever runs next.
    await ctx.db.update(offers).set({ nextCanaryAt: ctx.now() }).where(eq(offers.id, offer.offerId));
    return null;
  }
  return recordCanaryResult(ctx, { offerId: offer.offerId, machineId: offer.machineId, modelId: offer.modelId, prompt, measurement, config: opts.config, random: opts.random });
}
