import type { ChatCompletionRequest, ChatMessageBody, CompletionRequest } from "../../lib/wire/openai";
import { DEFAULT_MAX_TOKENS } from "../../lib/wire/openai";
import type { ChatMessage, GenerateRequest } from "./engine/types";

// What the agent accepts is the gateway's own contract (lib/wire/openai.ts), re-checked here because
// agents trust nobody; this file only maps a checked body onto the engine's request.

/** Text parts joined; other parts (images, audio) carry no text a text-only engine could read. */
function flatten(content: ChatMessageBody["content"]): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((p) => (typeof p.text === "string" ? p.text : "")).join("");
}

export type AgentRequestBody = ({ kind: "chat" } & ChatCompletionRequest) | ({ kind: "completion" } & CompletionRequest);

export function toGenerateRequest(body: AgentRequestBody): GenerateRequest {
  const stop = body.stop == null ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
  const base = {
    max_tokens: (body.kind === "chat" ? body.max_completion_tokens : undefined) ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: body.temperature ?? undefined,
    top_p: body.top_p ?? undefined,
    seed: body.seed ?? undefined,
    stop,
  };
  if (body.kind === "chat") {
    const messages: ChatMessage[] = body.messages.map((m): ChatMessage => {
      const content = flatten(m.content);
      if (m.role === "tool") return { role: "tool", content, ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}) };
      return { role: m.role === "developer" ? "system" : m.role, content };
    });
    return { ...base, messages };
  }
  return { ...base, prompt: Array.isArray(body.prompt) ? body.prompt[0]! : body.prompt };
}
