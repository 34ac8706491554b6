import { z } from "zod";
import { SERVED_MS_USAGE_FIELD } from "../../lib/wire/metering";
import type { ChatMessage, GenerateRequest } from "./engine/types";

/** What the agent accepts from the gateway (already validated there; re-checked because agents trust nobody). */
const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
});
const common = {
  model: z.string(),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
};
export const agentChatRequest = z.looseObject({ ...common, messages: z.array(message).min(1) });
export const agentCompletionRequest = z.looseObject({ ...common, prompt: z.union([z.string(), z.array(z.string()).length(1)]) });

export const DEFAULT_MAX_TOKENS = 256;

function flatten(content: z.infer<typeof message>["content"]): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((p) => p.text ?? "").join("");
}

type ChatBody = z.infer<typeof agentChatRequest>;
type CompletionBody = z.infer<typeof agentCompletionRequest>;
export type AgentRequestBody = ({ kind: "chat" } & ChatBody) | ({ kind: "completion" } & CompletionBody);

export function toGenerateRequest(body: AgentRequestBody): GenerateRequest {
  const stop = body.stop == null ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
  const base = {
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: body.temperature ?? undefined,
    top_p: body.top_p ?? undefined,
    seed: body.seed ?? undefined,
    stop,
  };
  if (body.kind === "chat") {
    const messages: ChatMessage[] = (body.messages as ChatBody["messages"]).map((m) => ({ role: m.role === "developer" ? "system" : m.role, content: flatten(m.content) }));
    return { ...base, messages };
  }
  const prompt = body.prompt as CompletionBody["prompt"];
  return { ...base, prompt: Array.isArray(prompt) ? prompt[0]! : prompt };
}

type Usage = { prompt_tokens: number; completion_tokens: number };
const usageOut = (u: Usage) => ({ ...u, total_tokens: u.prompt_tokens + u.completion_tokens });

/** Builds OpenAI-shaped objects for one response (ids and timestamps fixed per response). */
export function responseShapes(kind: "chat" | "completion", model: string, id: string, created_s: number) {
  const object = kind === "chat" ? "chat.completion" : "text_completion";
  const chunkObject = kind === "chat" ? "chat.completion.chunk" : "text_completion";
  return {
    full(text: string, finish_reason: string, usage: Usage) {
      const choice = kind === "chat" ? { index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason } : { index: 0, text, logprobs: null, finish_reason };
      return { id, object, created: created_s, model, choices: [choice], usage: usageOut(usage) };
    },
    chunk(delta: { role?: string; content?: string }, finish_reason: string | null) {
      const choice = kind === "chat" ? { index: 0, delta, logprobs: null, finish_reason } : { index: 0, text: delta.content ?? "", logprobs: null, finish_reason };
      return { id, object: chunkObject, created: created_s, model, choices: [choice] };
    },
    /** The final usage chunk; `served_ms` (slot time served) travels in it to the gateway, which strips it. */
    usageChunk(usage: Usage, served_ms?: number) {
      return { id, object: chunkObject, created: created_s, model, choices: [], usage: { ...usageOut(usage), ...(served_ms === undefined ? {} : { [SERVED_MS_USAGE_FIELD]: served_ms }) } };
    },
  };
}
