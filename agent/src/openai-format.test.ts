import { describe, expect, it } from "vitest";
import { chatCompletionRequest, completionRequest, DEFAULT_MAX_TOKENS } from "../../lib/wire/openai";
import { toGenerateRequest, type AgentRequestBody } from "./openai-format";

const chat = (body: Record<string, unknown>): AgentRequestBody => ({ kind: "chat", ...chatCompletionRequest.parse({ model: "m", ...body }) });
const completion = (body: Record<string, unknown>): AgentRequestBody => ({ kind: "completion", ...completionRequest.parse({ model: "m", ...body }) });

describe("toGenerateRequest", () => {
  it("maps chat messages: developer → system, content parts joined, null content → empty", () => {
    const req = toGenerateRequest(
      chat({
        messages: [
          { role: "developer", content: "rules" },
          { role: "user", content: [{ type: "text", text: "look " }, { type: "image_url", image_url: { url: "x" } }, { type: "text", text: "here" }] },
          { role: "assistant", content: null },
          { role: "tool", content: "result" },
        ],
      }),
    );
    expect(req.messages).toEqual([
      { role: "system", content: "rules" },
      { role: "user", content: "look here" },
      { role: "assistant", content: "" },
      { role: "tool", content: "result" },
    ]);
    expect(req.prompt).toBeUndefined();
  });

  it("max_completion_tokens wins over max_tokens; neither → the default", () => {
    const m = [{ role: "user", content: "x" }];
    expect(toGenerateRequest(chat({ messages: m, max_tokens: 10, max_completion_tokens: 20 })).max_tokens).toBe(20);
    expect(toGenerateRequest(chat({ messages: m, max_tokens: 10 })).max_tokens).toBe(10);
    expect(toGenerateRequest(chat({ messages: m, max_tokens: null })).max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(toGenerateRequest(chat({ messages: m })).max_tokens).toBe(DEFAULT_MAX_TOKENS);
  });

  it("passes sampling through; nulls mean the engine's OpenAI defaults; stop is always a list", () => {
    const m = [{ role: "user", content: "x" }];
    expect(toGenerateRequest(chat({ messages: m, temperature: 0.7, top_p: 0.9, seed: 7, stop: "END" }))).toMatchObject({ temperature: 0.7, top_p: 0.9, seed: 7, stop: ["END"] });
    expect(toGenerateRequest(chat({ messages: m, temperature: 0, stop: ["a", "b"] }))).toMatchObject({ temperature: 0, stop: ["a", "b"] });
    const nulls = toGenerateRequest(chat({ messages: m, temperature: null, top_p: null, seed: null, stop: null }));
    expect(nulls).toEqual({ messages: [{ role: "user", content: "x" }], max_tokens: DEFAULT_MAX_TOKENS, temperature: undefined, top_p: undefined, seed: undefined, stop: undefined });
  });

  it("maps completions: a string prompt or a one-element list", () => {
    expect(toGenerateRequest(completion({ prompt: "Once upon", max_tokens: 5 }))).toMatchObject({ prompt: "Once upon", max_tokens: 5 });
    expect(toGenerateRequest(completion({ prompt: ["Once upon"] }))).toMatchObject({ prompt: "Once upon", max_tokens: DEFAULT_MAX_TOKENS });
    expect(toGenerateRequest(completion({ prompt: "x" })).messages).toBeUndefined();
  });
});
