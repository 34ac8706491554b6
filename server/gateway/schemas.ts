import { z } from "zod";
import { usdPerSecond } from "../../lib/wire/inputs";

/**
 * The subset of OpenAI's chat-completions body the gateway must understand. Unknown fields pass
 * through to the engine untouched (tools, response_format, …), so `.passthrough()` / loose objects.
 */
const contentPart = z.looseObject({ type: z.string() });
export const chatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
});

/** Far above any context window; keeps hold and quote arithmetic in range. */
export const MAX_TOKENS_LIMIT = 1_000_000;
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

export const chatCompletionRequest = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(chatMessage).min(1),
  stream: z.boolean().optional().default(false),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().max(MAX_TOKENS_LIMIT).nullish(),
  max_completion_tokens: z.number().int().positive().max(MAX_TOKENS_LIMIT).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.literal(1).nullish(),
  spotlane: spotlaneOptions,
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

export const completionRequest = z.looseObject({
  model: z.string().min(1).max(256),
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  stream: z.boolean().optional().default(false),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().max(MAX_TOKENS_LIMIT).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  spotlane: spotlaneOptions,
});
export type CompletionRequest = z.infer<typeof completionRequest>;

/** Usage as engines report it (OpenAI shape). */
export const upstreamUsage = z.looseObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
});
