import { z } from "zod";
import { SERVED_MS_USAGE_FIELD } from "./metering";

/**
 * The one OpenAI wire contract: the chat/completions request bodies as the gateway validates them and
 * the agent re-checks them (agents trust nobody), the usage engines report, and the response and chunk
 * objects the agent builds. Unknown fields pass through to the engine untouched (tools,
 * response_format, the gateway's own `spotlane`, …), so loose objects.
 */
const contentPart = z.looseObject({ type: z.string() });
/** OpenAI's rule for function and schema names. */
export const functionName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "1 to 64 letters, digits, underscores or dashes");
/** A JSON Schema object (tool parameters, response_format schemas); its size is bounded by the body limit. */
const jsonSchema = z.record(z.string(), z.unknown());
export const MAX_TOOLS = 128;
/** OpenAI's own bound on `top_logprobs` (chat) … */
export const MAX_TOP_LOGPROBS = 20;
/** … and on `logprobs` (legacy completions: an integer count of alternatives). */
export const MAX_COMPLETION_LOGPROBS = 5;

export const toolCall = z.looseObject({
  id: z.string().min(1).max(256),
  type: z.literal("function"),
  function: z.looseObject({ name: functionName, arguments: z.string() }),
});
export type ToolCallBody = z.infer<typeof toolCall>;

export const chatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
  /** Assistant turns: the calls it made. */
  tool_calls: z.array(toolCall).max(MAX_TOOLS).nullish(),
  /** Tool turns: which call this is the result of. */
  tool_call_id: z.string().min(1).max(256).nullish(),
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

export const toolDefinition = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: functionName,
    description: z.string().max(8192).nullish(),
    parameters: jsonSchema.nullish(),
    strict: z.boolean().nullish(),
  }),
});
export type ToolDefinitionBody = z.infer<typeof toolDefinition>;

export const toolChoice = z.union([z.enum(["auto", "none", "required"]), z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: functionName }) })]);
export type ToolChoiceBody = z.infer<typeof toolChoice>;

export const responseFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({ name: functionName, description: z.string().max(8192).nullish(), schema: jsonSchema.nullish(), strict: z.boolean().nullish() }),
  }),
]);
export type ResponseFormatBody = z.infer<typeof responseFormat>;

export const chatCompletionRequest = z.looseObject({
  model,
  messages: z.array(chatMessage).min(1),
  ...common,
  max_completion_tokens: tokenLimit,
  n: z.literal(1).nullish(),
  tools: z.array(toolDefinition).max(MAX_TOOLS).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormat.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(MAX_TOP_LOGPROBS).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

/** One prompt per request: a batch of prompts would be several requests' work on one slot and one price. */
export const completionRequest = z.looseObject({
  model,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  ...common,
  logprobs: z.number().int().min(0).max(MAX_COMPLETION_LOGPROBS).nullish(),
});
export type CompletionRequest = z.infer<typeof completionRequest>;

/** Most inputs in one embeddings request (OpenAI's own limit). */
export const MAX_EMBEDDING_INPUTS = 2048;
/**
 * `/v1/embeddings`. Inputs are text: token-id arrays are valid OpenAI but name tokens of a tokenizer the
 * buyer cannot know we route to, so they are refused with a clear error rather than guessed at.
 */
export const embeddingsRequest = z.looseObject({
  model,
  input: z.union([z.string(), z.array(z.string()).min(1).max(MAX_EMBEDDING_INPUTS)]),
  /** The official client asks for base64 by default and decodes it itself. */
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().positive().max(65_536).nullish(),
  user: z.string().max(256).nullish(),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequest>;

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
