import { describe, expect, it } from "vitest";
import { chatCompletionRequest, completionRequest, MAX_TOKENS_LIMIT, responseShapes } from "./openai";

describe("request validation (gateway and agent alike)", () => {
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
    expect(chatCompletionRequest.safeParse(body).success).toBe(true);
    expect(completionRequest.safeParse({ model: "m", prompt: ["once"] }).success).toBe(true);
  });

  it.each([
    ["no messages", { model: "m", messages: [] }],
    ["unknown role", { model: "m", messages: [{ role: "robot", content: "x" }] }],
    ["max_tokens 0", { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 0 }],
    ["fractional max_tokens", { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 1.5 }],
    ["temperature above 2", { model: "m", messages: [{ role: "user", content: "x" }], temperature: 2.5 }],
    ["top_p above 1", { model: "m", messages: [{ role: "user", content: "x" }], top_p: 1.1 }],
    ["missing model", { messages: [{ role: "user", content: "x" }] }],
    ["a model id over 256 characters", { model: "m".repeat(257), messages: [{ role: "user", content: "x" }] }],
    ["max_tokens over the limit", { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: MAX_TOKENS_LIMIT + 1 }],
    ["more than 4 stop sequences", { model: "m", messages: [{ role: "user", content: "x" }], stop: ["a", "b", "c", "d", "e"] }],
    ["n above 1", { model: "m", messages: [{ role: "user", content: "x" }], n: 2 }],
  ])("refuses a chat body with %s", (_, body) => {
    expect(chatCompletionRequest.safeParse(body).success).toBe(false);
  });

  it("refuses batched completion prompts (one prompt per request)", () => {
    expect(completionRequest.safeParse({ model: "m", prompt: ["a", "b"] }).success).toBe(false);
    expect(completionRequest.safeParse({ model: "m" }).success).toBe(false);
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
