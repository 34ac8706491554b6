import { z } from "zod";
import { SERVED_MS_USAGE_FIELD } from "./metering";

/**
 * The one OpenAI wire contract: the chat/completions request bodies as the gateway validates them and
 * the agent re-checks them (agents trust nobody), the usage engines report, and the response and chunk
 * objects the agent builds. Unknown fields pass through to the engine untouched (tools,
 * response_format, the gateway's own `spotlane`, …), so loose objects.
 */
const contentPart = z.looseObject({ type: z.string() });
export const chatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
});
export type ChatMessageBody = z.infer<typeof chatMessage>;

/** Far above any context window; keeps hold and quote arithmetic in range. */
export const MAX_TOKENS_LIMIT = 1_000_000;
/**
 * max_tokens when a request names none. One figure for both sides: the gateway prices its hold for it
 * and forwards it explicitly, and an agent called without it generates no more than that hold covers.
 */
export const DEFAULT_MAX_TOKENS = 1024;

const tokenLimit = z.number().int().positive().max(MAX_TOKENS_LIMIT).nullish();
const model = z.string().min(1).max(256);
const common = {
  stream: z.boolean().optional().default(false),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: tokenLimit,
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
};

export const chatCompletionRequest = z.looseObject({
  model,
  messages: z.array(chatMessage).min(1),
  ...common,
  max_completion_tokens: tokenLimit,
  n: z.literal(1).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

/** One prompt per request: a batch of prompts would be several requests' work on one slot and one price. */
export const completionRequest = z.looseObject({
  model,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  ...common,
});
export type CompletionRequest = z.infer<typeof completionRequest>;

/** Usage as engines report it (OpenAI shape). */
export const tokenUsage = z.looseObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
});
export type TokenUsage = { prompt_tokens: number; completion_tokens: number };

/** A streamed chunk as read off the wire (chat or completion), before anything in it is trusted. */
export type StreamChunk = {
  choices?: { delta?: { content?: string | null }; text?: string; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; type?: string } | string;
  [k: string]: unknown;
};

/** The text a chunk adds: `text` for completions, `delta.content` for chat. */
export function chunkText(chunk: StreamChunk): string {
  const choice = chunk.choices?.[0];
  return choice?.text ?? choice?.delta?.content ?? "";
}

const usageOut = (u: TokenUsage) => ({ ...u, total_tokens: u.prompt_tokens + u.completion_tokens });

/** Builds OpenAI-shaped objects for one response (ids and timestamps fixed per response). */
export function responseShapes(kind: "chat" | "completion", model: string, id: string, created_s: number) {
  const object = kind === "chat" ? "chat.completion" : "text_completion";
  const chunkObject = kind === "chat" ? "chat.completion.chunk" : "text_completion";
  return {
    full(text: string, finish_reason: string, usage: TokenUsage) {
      const choice = kind === "chat" ? { index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason } : { index: 0, text, logprobs: null, finish_reason };
      return { id, object, created: created_s, model, choices: [choice], usage: usageOut(usage) };
    },
    chunk(delta: { role?: string; content?: string }, finish_reason: string | null) {
      const choice = kind === "chat" ? { index: 0, delta, logprobs: null, finish_reason } : { index: 0, text: delta.content ?? "", logprobs: null, finish_reason };
      return { id, object: chunkObject, created: created_s, model, choices: [choice] };
    },
    /** The final usage chunk; `served_ms` (slot time served) travels in it to the gateway, which strips it. */
    usageChunk(usage: TokenUsage, served_ms?: number) {
      return { id, object: chunkObject, created: created_s, model, choices: [], usage: { ...usageOut(usage), ...(served_ms === undefined ? {} : { [SERVED_MS_USAGE_FIELD]: served_ms }) } };
    },
  };
}
