import { describe, expect, it } from "vitest";
import { agentChatRequest, agentCompletionRequest, DEFAULT_MAX_TOKENS, responseShapes, toGenerateRequest, type AgentRequestBody } from "./openai-format";

const chat = (body: Record<string, unknown>): AgentRequestBody => ({ kind: "chat", ...agentChatRequest.parse({ model: "m", ...body }) });
const completion = (body: Record<string, unknown>): AgentRequestBody => ({ kind: "completion", ...agentCompletionRequest.parse({ model: "m", ...body }) });

describe("agent request validation", () => {
  it("accepts what OpenAI clients send, unknown fields included", () => {
    const body = {
      model: "m",
      messages: [
        { role: "developer", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }], name: "ann" },
        { role: "assistant", content: null, tool_calls: [] },
        { role: "tool", content: "42", tool_call_id: "t1" },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: null,
      temperature: 0,
      tools: [],
      response_format: { type: "text" },
    };
    expect(agentChatRequest.safeParse(body).success).toBe(true);
    expect(agentCompletionRequest.safeParse({ model: "m", prompt: ["once"] }).success).toBe(true);
  });

  it.each([
    ["no messages", { model: "m", messages: [] }],
    ["unknown role", { model: "m", messages: [{ role: "robot", content: "x" }] }],
    ["max_tokens 0", { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 0 }],
    ["fractional max_tokens", { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 1.5 }],
    ["temperature above 2", { model: "m", messages: [{ role: "user", content: "x" }], temperature: 2.5 }],
    ["top_p above 1", { model: "m", messages: [{ role: "user", content: "x" }], top_p: 1.1 }],
    ["missing model", { messages: [{ role: "user", content: "x" }] }],
  ])("refuses a chat body with %s", (_, body) => {
    expect(agentChatRequest.safeParse(body).success).toBe(false);
  });

  it("refuses batched completion prompts (one prompt per request)", () => {
    expect(agentCompletionRequest.safeParse({ model: "m", prompt: ["a", "b"] }).success).toBe(false);
    expect(agentCompletionRequest.safeParse({ model: "m" }).success).toBe(false);
  });
});

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

describe("responseShapes", () => {
  const usage = { prompt_tokens: 5, completion_tokens: 3 };

  it("chat: a full chat.completion, chunks and a usage-only final chunk, as OpenAI sends them", () => {
    const s = responseShapes("chat", "tiny:f32", "chatcmpl-1", 1_700_000_000);
    expect(s.full("hello", "stop", usage)).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "tiny:f32",
      choices: [{ index: 0, message: { role: "assistant", content: "hello", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
    expect(s.chunk({ role: "assistant", content: "" }, null)).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "tiny:f32",
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
    });
    expect(s.chunk({}, "length").choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "length" }]);
    expect(s.usageChunk(usage)).toEqual({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1_700_000_000, model: "tiny:f32", choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
    // The slot time served travels to the gateway in the usage chunk (lib/wire/metering.ts).
    expect(s.usageChunk(usage, 42).usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, served_ms: 42 });
  });

  it("completion: text_completion objects with text choices", () => {
    const s = responseShapes("completion", "tiny:f32", "cmpl-1", 1);
    expect(s.full("abc", "length", usage)).toEqual({
      id: "cmpl-1",
      object: "text_completion",
      created: 1,
      model: "tiny:f32",
      choices: [{ index: 0, text: "abc", logprobs: null, finish_reason: "length" }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
    expect(s.chunk({ content: "ab" }, null)).toEqual({ id: "cmpl-1", object: "text_completion", created: 1, model: "tiny:f32", choices: [{ index: 0, text: "ab", logprobs: null, finish_reason: null }] });
    expect(s.chunk({}, "stop").choices).toEqual([{ index: 0, text: "", logprobs: null, finish_reason: "stop" }]);
    expect(s.usageChunk(usage)).toMatchObject({ object: "text_completion", choices: [], usage: { total_tokens: 8 } });
  });
});
