import { completionRequest } from "../../../lib/wire/openai";

/**
 * The canary prompt set. A version fixes the prompts, `max_tokens`, the sampling (greedy, fixed
 * seed) and the endpoint; fingerprints are stored per (model, version, prompt), so changing any of
 * these is a new version (and a new set of reference fingerprints).
 *
 * Canaries use `/v1/completions` with a raw prompt: no chat template is involved, so llama.cpp,
 * llama-server and vLLM hosts of the same weights produce the same tokens (a template rendered
 * differently by two engines would make honest hosts disagree). The prompts are a few hundred
 * tokens, like a typical buyer request with some context, so prefill is measured too.
 */
export const PROMPT_SET_VERSION = "v1";
export const CANARY_PATH = "/v1/completions";
export const CANARY_SEED = 20_251_122;

export type CanaryPrompt = { id: string; prompt: string };

export const CANARY_PROMPTS: readonly CanaryPrompt[] = [
  {
    id: "harbor-report",
    prompt:
      "Harbor operations report, week 14.\n\n" +
      "Summary: Vessel traffic rose for the third week in a row. The north quay handled most of the container ships, " +
      "while the old fishing pier was closed for repairs to its pilings. Two cranes were out of service on Tuesday after a " +
      "power fault, and the night shift cleared the backlog by Thursday morning. Fuel deliveries were on schedule. " +
      "The pilots reported fog on three mornings and one near miss at the harbor mouth, which is under review.\n\n" +
      "Details by day, with the main events, the ships that docked and what the crews did:\n\nMonday:",
  },
  {
    id: "bread-steps",
    prompt:
      "A careful guide to baking a simple loaf of bread at home.\n\n" +
      "You need flour, water, salt and yeast, a large bowl, a clean towel and an oven that can reach a high heat. " +
      "Good bread is mostly patience: the dough must rest long enough for the yeast to do its work, and the oven must be " +
      "hot before the loaf goes in. Measure by weight if you can, because cups of flour vary a great deal. Keep the " +
      "kitchen warm but not hot, and keep notes so the next loaf is better than the last.\n\n" +
      "Step one, and the reason for it:",
  },
  {
    id: "market-letter",
    prompt:
      "Dear members of the cooperative,\n\n" +
      "This letter explains how prices were set at the market this season and why they changed from week to week. " +
      "Every morning the sellers posted the lowest price they would accept, and the buyers said how much they needed and " +
      "what they would pay. When demand was high the price rose, and when the stalls were full it fell back. We kept a " +
      "small reserve so that no buyer was turned away during the busy hours, and we wrote down every price so that anyone " +
      "could check our work. Here is what we learned, point by point.\n\nFirst,",
  },
];

/** Which prompt the n-th canary (0-based, per offer) uses: round robin through the set. */
export function canaryPromptFor(n: number): CanaryPrompt {
  return CANARY_PROMPTS[((n % CANARY_PROMPTS.length) + CANARY_PROMPTS.length) % CANARY_PROMPTS.length]!;
}

/**
 * The exact body the agent receives for a canary: what the official `openai` client sends for a
 * completion (`client.completions.create({ model, prompt, max_tokens, temperature, seed })`, plus
 * `stream: true, stream_options: { include_usage: true }` when streamed), passed through the same
 * schema and forwarding rules as buyer traffic (server/gateway/proxy-completion.ts), so the field set
 * and order match what a buyer's request in the same mode looks like upstream.
 */
export function canaryUpstreamBody(input: { modelId: string; prompt: string; max_tokens: number; stream?: boolean }): string {
  const stream = input.stream ?? true;
  const asSentByClient = {
    model: input.modelId,
    prompt: input.prompt,
    max_tokens: input.max_tokens,
    temperature: 0,
    seed: CANARY_SEED,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  const body = completionRequest.parse(asSentByClient);
  const { spotlane: _prefs, ...forward } = body;
  return JSON.stringify(body.stream ? { ...forward, stream_options: { ...(body.stream_options ?? {}), include_usage: true } } : forward);
}
