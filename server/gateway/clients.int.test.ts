/**
 * Real OpenAI clients against the gateway, unchanged: the Vercel AI SDK (`ai` +
 * `@ai-sdk/openai-compatible`) and the official `openai` package. Real HTTP to a real agent running
 * llama.cpp on the tiny model (which never emits EOS, so every answer runs to its token limit unless a
 * stop string ends it). Tests marked `it.fails` pin known gateway gaps: they pass while the gap is
 * there, and start failing (flip them to `it`) once it is fixed.
 */
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, generateText, jsonSchema, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS } from "../../test/database";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { TINY_MODEL_ID } from "../../test/tiny-model";

/** The error object openai-node reads (`err.error`, `err.code`, `err.param`, `err.type`): exactly these keys. */
function expectOpenAIErrorShape(error: unknown, expected: { type: string; param?: string | null; code?: string | null }) {
  expect(error).toBeTypeOf("object");
  expect(Object.keys(error as object).sort()).toEqual(["code", "message", "param", "type"]);
  const e = error as { message: unknown; type: unknown; param: unknown; code: unknown };
  expect(e.message).toBeTypeOf("string");
  expect((e.message as string).length).toBeGreaterThan(0);
  expect(e.type).toBe(expected.type);
  expect(e.param === null || typeof e.param === "string").toBe(true);
  expect(e.code === null || typeof e.code === "string").toBe(true);
  if (expected.param !== undefined) expect(e.param).toBe(expected.param);
  if (expected.code !== undefined) expect(e.code).toBe(expected.code);
}

describe.each(DB_KINDS)("OpenAI clients against the gateway on %s", (kind) => {
  let mp: TestMarketplace;
  let apiKey: string;
  let client: OpenAI;
  let baseURL: string;

  beforeAll(async () => {
    mp = await startTestMarketplace(kind);
    apiKey = (await mp.createBuyer({ credit_usd: "50" })).apiKey;
    const provider = await mp.createProvider();
    await mp.startAgent({ agentToken: provider.agentToken, askUsdPerSecond: "0.0001", slots: 2 });
    baseURL = `${mp.baseUrl}/v1`;
    client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  });
  afterAll(async () => mp?.close());

  const chatText = async (body: Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, "model">) => {
    const r = await client.chat.completions.create({ model: TINY_MODEL_ID, ...body });
    return { text: r.choices[0]!.message.content ?? "", finish: r.choices[0]!.finish_reason, usage: r.usage! };
  };

  describe("AI SDK (ai + @ai-sdk/openai-compatible)", () => {
    const spotlane = () => createOpenAICompatible({ name: "spotlane", baseURL, apiKey, includeUsage: true });

    it("generateText: text and usage", async () => {
      const result = await generateText({ model: spotlane()(TINY_MODEL_ID), prompt: "Say something about markets.", maxOutputTokens: 12, temperature: 0, maxRetries: 0 });
      expect(result.text.length).toBeGreaterThan(0);
      expect(result.finishReason).toBe("length");
      expect(result.usage.outputTokens).toBe(12);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.totalTokens).toBe(result.usage.inputTokens! + 12);
    });

    it("streamText: streamed text and usage (include_usage)", async () => {
      const result = streamText({ model: spotlane()(TINY_MODEL_ID), system: "You are terse.", prompt: "Stream a few words.", maxOutputTokens: 10, temperature: 0, maxRetries: 0 });
      let text = "";
      let deltas = 0;
      for await (const delta of result.textStream) {
        text += delta;
        deltas++;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(deltas).toBeGreaterThan(1);
      const usage = await result.usage;
      expect(usage.outputTokens).toBe(10);
      expect(usage.inputTokens).toBeGreaterThan(0);
      expect(await result.finishReason).toBe("length");
      // Streamed and non-streamed greedy answers agree.
      const again = await generateText({ model: spotlane()(TINY_MODEL_ID), system: "You are terse.", prompt: "Stream a few words.", maxOutputTokens: 10, temperature: 0, maxRetries: 0 });
      expect(again.text).toBe(text);
    });

    it("completion model (/v1/completions), streamed and not", async () => {
      const model = spotlane().completionModel(TINY_MODEL_ID);
      const full = await generateText({ model, prompt: "the market price", maxOutputTokens: 8, temperature: 0, maxRetries: 0 });
      expect(full.text.length).toBeGreaterThan(0);
      expect(full.usage.outputTokens).toBe(8);
      const streamed = streamText({ model, prompt: "the market price", maxOutputTokens: 8, temperature: 0, maxRetries: 0 });
      let text = "";
      for await (const d of streamed.textStream) text += d;
      expect(text).toBe(full.text);
      expect((await streamed.usage).outputTokens).toBe(8);
    });

    it("tools and a JSON response format are passed through, not rejected", async () => {
      const result = await generateText({
        model: spotlane()(TINY_MODEL_ID),
        prompt: "What is the spot price?",
        tools: {
          get_spot_price: tool({ description: "Spot price of a market", inputSchema: jsonSchema<{ market: string }>({ type: "object", properties: { market: { type: "string" } }, required: ["market"] }) }),
        },
        toolChoice: "auto",
        maxOutputTokens: 6,
        maxRetries: 0,
      });
      // The tiny model cannot call tools; what matters is that the request was accepted and answered.
      expect(result.text.length).toBeGreaterThan(0);
      const json = await generateText({ model: spotlane()(TINY_MODEL_ID), prompt: "JSON please", responseFormat: { type: "json" }, maxOutputTokens: 6, maxRetries: 0 } as never);
      expect((json as { text: string }).text.length).toBeGreaterThan(0);
    });

    it("Spotlane preferences travel in providerOptions", async () => {
      const err = await generateText({
        model: spotlane()(TINY_MODEL_ID),
        prompt: "hi",
        maxOutputTokens: 4,
        maxRetries: 0,
        providerOptions: { spotlane: { spotlane: { max_price_per_second: 0.00000001 } } },
      }).catch((e: unknown) => e);
      expect(APICallError.isInstance(err)).toBe(true);
      // The bid in providerOptions reached the gateway: it refused to overcharge.
      expect((err as APICallError).statusCode).toBe(402);
      expect((err as APICallError).responseBody).toContain("price_above_bid");
    });

    it("errors surface as APICallError with the gateway's status and message", async () => {
      const bad = createOpenAICompatible({ name: "spotlane", baseURL, apiKey: "sk-spot-wrong", includeUsage: true });
      const err = await generateText({ model: bad(TINY_MODEL_ID), prompt: "hi", maxRetries: 0 }).catch((e: unknown) => e);
      expect(APICallError.isInstance(err)).toBe(true);
      expect((err as APICallError).statusCode).toBe(401);
      expect((err as APICallError).message).toMatch(/API key/);
      const missing = await generateText({ model: spotlane()("no-such-model"), prompt: "hi", maxRetries: 0 }).catch((e: unknown) => e);
      expect((missing as APICallError).statusCode).toBe(404);
    });
  });

  describe("openai client", () => {
    it("/v1/completions, non-streamed", async () => {
      const r = await client.completions.create({ model: TINY_MODEL_ID, prompt: "the market price", max_tokens: 8, temperature: 0 });
      expect(r.object).toBe("text_completion");
      expect(r.choices[0]!.text.length).toBeGreaterThan(0);
      expect(r.choices[0]!.finish_reason).toBe("length");
      expect(r.usage).toMatchObject({ completion_tokens: 8, total_tokens: r.usage!.prompt_tokens + 8 });
    });

    it("/v1/completions, streamed with usage, same text as non-streamed", async () => {
      const full = await client.completions.create({ model: TINY_MODEL_ID, prompt: "the market price", max_tokens: 8, temperature: 0 });
      const stream = await client.completions.create({ model: TINY_MODEL_ID, prompt: "the market price", max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true } });
      let text = "";
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(full.choices[0]!.text);
      expect(usage?.completion_tokens).toBe(8);
    });

    it("accepts system, developer, user (text parts), assistant with tool_calls, and tool messages", async () => {
      const r = await chatText({
        messages: [
          { role: "system", content: "You are a market assistant." },
          { role: "developer", content: "Answer briefly." },
          { role: "user", content: [{ type: "text", text: "What is the spot price?" }] },
          { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_spot_price", arguments: '{"market":"cpu"}' } }] },
          { role: "tool", tool_call_id: "call_1", content: '{"price": 0.0001}' },
          { role: "assistant", content: "The spot price is" },
          { role: "user", content: "Thanks. And now?" },
        ],
        max_tokens: 6,
      });
      expect(r.text.length).toBeGreaterThan(0);
      expect(r.usage.completion_tokens).toBe(6);
    });

    it("passes tools, tool_choice, response_format and other OpenAI fields through", async () => {
      const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "get_spot_price", description: "Spot price", parameters: { type: "object", properties: { market: { type: "string" } }, required: ["market"] } } }];
      for (const tool_choice of ["auto", "none", "required", { type: "function", function: { name: "get_spot_price" } }] as const) {
        const r = await chatText({ messages: [{ role: "user", content: "price?" }], tools, tool_choice, parallel_tool_calls: false, max_tokens: 3 });
        expect(r.usage.completion_tokens).toBe(3);
      }
      for (const response_format of [{ type: "text" }, { type: "json_object" }, { type: "json_schema", json_schema: { name: "price", schema: { type: "object", properties: { p: { type: "number" } } }, strict: true } }] as const) {
        const r = await chatText({ messages: [{ role: "user", content: "json?" }], response_format, max_tokens: 3 });
        expect(r.usage.completion_tokens).toBe(3);
      }
      const r = await chatText({ messages: [{ role: "user", content: "x" }], user: "user-42", frequency_penalty: 0, presence_penalty: 0, logit_bias: {}, logprobs: false, n: 1, store: false, max_tokens: 3 });
      expect(r.usage.completion_tokens).toBe(3);
    });

    it("max_tokens and max_completion_tokens bound the completion (max_completion_tokens wins)", async () => {
      expect((await chatText({ messages: [{ role: "user", content: "count" }], max_tokens: 5 })).usage.completion_tokens).toBe(5);
      const viaNew = await chatText({ messages: [{ role: "user", content: "count" }], max_completion_tokens: 7 });
      expect(viaNew.usage.completion_tokens).toBe(7);
      expect(viaNew.finish).toBe("length");
      expect((await chatText({ messages: [{ role: "user", content: "count" }], max_tokens: 5, max_completion_tokens: 9 })).usage.completion_tokens).toBe(9);
      const stream = await client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "count" }], max_completion_tokens: 4, stream: true, stream_options: { include_usage: true } });
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
      expect(usage?.completion_tokens).toBe(4);
    });

    it("temperature 0 is greedy and repeatable; seed makes sampling at temperature > 0 repeatable", async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Tell me about the market." }];
      const g1 = await chatText({ messages, max_tokens: 24, temperature: 0 });
      const g2 = await chatText({ messages, max_tokens: 24, temperature: 0 });
      expect(g2.text).toBe(g1.text);
      const s1 = await chatText({ messages, max_tokens: 24, temperature: 1.5, seed: 42 });
      const s2 = await chatText({ messages, max_tokens: 24, temperature: 1.5, seed: 42 });
      expect(s2.text).toBe(s1.text);
      // Different seeds sample different texts (24 tokens from a near-flat distribution).
      const others = await Promise.all([7, 8, 9].map((seed) => chatText({ messages, max_tokens: 24, temperature: 1.5, seed })));
      expect(new Set([s1.text, ...others.map((o) => o.text)]).size).toBeGreaterThan(1);
      expect(others.some((o) => o.text !== g1.text)).toBe(true);
    });

    // GAP (agent/src/engine/embedded.ts samplingOf): without a seed node-llama-cpp seeds with the
    // current epoch second, so identical unseeded requests within one second sample identical text;
    // and seeds are clamped with max(0, …), so every negative seed samples like seed 0.
    it("unseeded sampling differs between requests; distinct seeds (int64, as OpenAI) sample differently", async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Surprise me." }];
      const unseeded = await Promise.all([1, 2, 3, 4].map(() => chatText({ messages, max_tokens: 24, temperature: 1.5 })));
      expect(new Set(unseeded.map((u) => u.text)).size).toBe(4);
      const seeded = await Promise.all([0, -1, -2].map((seed) => chatText({ messages, max_tokens: 24, temperature: 1.5, seed })));
      expect(new Set(seeded.map((u) => u.text)).size).toBe(3);
    });

    it("top_p is honoured: a vanishing nucleus keeps only the top token, i.e. greedy", async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Nucleus sampling test." }];
      const greedy = await chatText({ messages, max_tokens: 20, temperature: 0 });
      const hot = await chatText({ messages, max_tokens: 20, temperature: 1.5, seed: 3 });
      const nucleus = await chatText({ messages, max_tokens: 20, temperature: 1.5, seed: 3, top_p: 1e-6 });
      expect(nucleus.text).toBe(greedy.text);
      expect(hot.text).not.toBe(greedy.text);
    });

    it("a stop string (taken from a greedy answer) cuts the output before it", async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Write a long sentence." }];
      const full = await chatText({ messages, max_tokens: 32, temperature: 0 });
      expect(full.finish).toBe("length");
      // A stop string whose first occurrence is well inside the text.
      let stop = "";
      for (let at = Math.floor(full.text.length / 2); at < full.text.length - 4 && !stop; at++) {
        const candidate = full.text.slice(at, at + 4);
        if (full.text.indexOf(candidate) >= 4 && candidate.trim().length > 0) stop = candidate;
      }
      expect(stop).not.toBe("");
      const cut = await chatText({ messages, max_tokens: 32, temperature: 0, stop: [stop, "\u0000never"] });
      expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
      expect(cut.finish).toBe("stop");
      expect(cut.usage.completion_tokens).toBeLessThan(32);
      // Streamed, and as a plain string.
      const stream = await client.chat.completions.create({ model: TINY_MODEL_ID, messages, max_tokens: 32, temperature: 0, stop, stream: true });
      let text = "";
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(text).toBe(cut.text);
      expect(finish).toBe("stop");
      // /v1/completions honours stop too.
      const comp = await client.completions.create({ model: TINY_MODEL_ID, prompt: "the market price", max_tokens: 24, temperature: 0 });
      const ctext = comp.choices[0]!.text;
      const cstop = ctext.slice(Math.floor(ctext.length / 2), Math.floor(ctext.length / 2) + 3);
      const ccut = await client.completions.create({ model: TINY_MODEL_ID, prompt: "the market price", max_tokens: 24, temperature: 0, stop: cstop });
      expect(ccut.choices[0]!.text).toBe(ctext.slice(0, ctext.indexOf(cstop)));
    });

    describe("errors in OpenAI's exact shape and status", () => {
      it("401 for a wrong or missing key", async () => {
        const err = await new OpenAI({ baseURL, apiKey: "sk-spot-wrong", maxRetries: 0 }).chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
        const e = err as InstanceType<typeof OpenAI.AuthenticationError>;
        expect(e.status).toBe(401);
        expectOpenAIErrorShape(e.error, { type: "invalid_request_error", param: null, code: "invalid_api_key" });
        expect(e.code).toBe("invalid_api_key");
        const raw = await fetch(`${baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }] }) });
        expect(raw.status).toBe(401);
        expect(raw.headers.get("content-type")).toMatch(/^application\/json/);
        const body = (await raw.json()) as { error: unknown };
        expect(Object.keys(body)).toEqual(["error"]);
        expectOpenAIErrorShape(body.error, { type: "invalid_request_error", param: null });
      });

      it("400 for invalid bodies, naming the parameter", async () => {
        const cases: [unknown, string | null][] = [
          [{ model: TINY_MODEL_ID, messages: [] }, "messages"],
          [{ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], temperature: 3 }, "temperature"],
          [{ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], top_p: 1.5 }, "top_p"],
          [{ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], max_tokens: 0 }, "max_tokens"],
          [{ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], n: 2 }, "n"],
          [{ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], stop: ["a", "b", "c", "d", "e"] }, "stop"],
          [{ messages: [{ role: "user", content: "hi" }] }, "model"],
        ];
        for (const [body, param] of cases) {
          const err = await client.chat.completions.create(body as never).catch((e: unknown) => e);
          expect(err, JSON.stringify(body)).toBeInstanceOf(OpenAI.BadRequestError);
          expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
          expectOpenAIErrorShape((err as InstanceType<typeof OpenAI.APIError>).error, { type: "invalid_request_error", param });
        }
        const raw = await fetch(`${baseURL}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: "{not json" });
        expect(raw.status).toBe(400);
        expectOpenAIErrorShape(((await raw.json()) as { error: unknown }).error, { type: "invalid_request_error", param: null });
        const comp = await client.completions.create({ model: TINY_MODEL_ID, prompt: ["a", "b"] }).catch((e: unknown) => e);
        expect(comp).toBeInstanceOf(OpenAI.BadRequestError);
        expectOpenAIErrorShape((comp as InstanceType<typeof OpenAI.APIError>).error, { type: "invalid_request_error", param: "prompt" });
      });

      it("404 for an unknown model and an unknown URL", async () => {
        const err = await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.NotFoundError);
        expectOpenAIErrorShape((err as InstanceType<typeof OpenAI.APIError>).error, { type: "invalid_request_error", code: "model_not_found" });
        const comp = await client.completions.create({ model: "no-such-model", prompt: "hi" }).catch((e: unknown) => e);
        expect(comp).toBeInstanceOf(OpenAI.NotFoundError);
        const raw = await fetch(`${baseURL}/no/such/endpoint`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: "{}" });
        expect(raw.status).toBe(404);
        expectOpenAIErrorShape(((await raw.json()) as { error: unknown }).error, { type: "invalid_request_error" });
      });

      // GAP (handler.ts / list-models.ts): OpenAI serves GET /v1/models/{model}; openai-node's
      // models.retrieve() and frameworks that validate a model id first get a 404 "Unknown request URL".
      it("GET /v1/models/{id} retrieves one model (models.retrieve)", async () => {
        const m = await client.models.retrieve(TINY_MODEL_ID);
        expect(m).toMatchObject({ id: TINY_MODEL_ID, object: "model" });
      });

      it("a prompt longer than the context is a 400 context_length_exceeded (the agent's refusal is forwarded)", async () => {
        const long = "market price spot lane model token ".repeat(400); // > 1,024 tokens of context
        const err = await client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: long }], max_tokens: 4 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        expectOpenAIErrorShape((err as InstanceType<typeof OpenAI.APIError>).error, { type: "invalid_request_error", code: "context_length_exceeded" });
      });

      // GAP (agent/src/serve-http.ts): streamed, the same request gets a 200
      // and then an error event, so openai-node throws mid-iteration instead of a BadRequestError.
      it("a streamed prompt longer than the context is refused with a 400 before the stream starts", async () => {
        const long = "market price spot lane model token ".repeat(400);
        const err = await client.chat.completions.create({ model: TINY_MODEL_ID, messages: [{ role: "user", content: long }], max_tokens: 4, stream: true }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      });
    });
  });
  it("GET /metrics counts what these clients did, by endpoint, model and outcome", async () => {
    const res = await fetch(`${mp.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    const value = (line: string) => Number(text.split("\n").find((l) => l.startsWith(line + " "))?.slice(line.length + 1) ?? NaN);
    const model = TINY_MODEL_ID;
    expect(value(`spotlane_gateway_requests_total{endpoint="chat.completions",model="${model}",status="completed",http_status="200"}`)).toBeGreaterThan(10);
    expect(value(`spotlane_gateway_requests_total{endpoint="completions",model="${model}",status="completed",http_status="200"}`)).toBeGreaterThan(2);
    expect(value(`spotlane_gateway_requests_total{endpoint="chat.completions",model="unknown",status="rejected",http_status="401"}`)).toBeGreaterThan(0);
    expect(value(`spotlane_gateway_ttft_seconds_count{endpoint="chat.completions",model="${model}"}`)).toBeGreaterThan(0);
    expect(value(`spotlane_gateway_requests_in_flight{endpoint="chat.completions"}`)).toBe(0);
    expect(text).toContain("spotlane_settlement_queue_depth");
    expect(text).toContain("spotlane_process_cpu_seconds_total");
  });
});
