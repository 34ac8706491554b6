import { z } from "zod";
import { usdPerSecond } from "../../lib/wire/inputs";
import { chatCompletionRequest as chatWire, completionRequest as completionWire } from "../../lib/wire/openai";

/**
 * The OpenAI bodies the gateway accepts: the one wire contract (lib/wire/openai.ts) plus Spotlane's
 * routing preferences, which only the gateway reads (it strips them before forwarding).
 */
const idList = z.array(z.string().min(1).max(200)).max(100);

/** Spotlane's routing preferences (body field `spotlane`, and per-key defaults from the dashboard). */
export const spotlanePreferences = z.strictObject({
  sort: z.enum(["price", "latency", "throughput", "balanced"]).optional(),
  /** USD per slot-second. */
  max_price_per_second: usdPerSecond.optional(),
  max_ttft_ms: z.number().int().positive().max(600_000).optional(),
  hardware: z.strictObject({ only: idList.optional(), ignore: idList.optional() }).optional(),
  quantizations: idList.optional(),
  providers: z.strictObject({ order: idList.optional(), only: idList.optional(), ignore: idList.optional() }).optional(),
  allow_fallbacks: z.boolean().optional(),
});
export type SpotlanePreferences = z.infer<typeof spotlanePreferences>;
export const spotlaneOptions = spotlanePreferences.optional();

export const chatCompletionRequest = chatWire.extend({ spotlane: spotlaneOptions });
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

export const completionRequest = completionWire.extend({ spotlane: spotlaneOptions });
export type CompletionRequest = z.infer<typeof completionRequest>;
