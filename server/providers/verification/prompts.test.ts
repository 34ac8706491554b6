import { describe, expect, it } from "vitest";
import { completionRequest } from "../../../lib/wire/openai";
import { CANARY_PROMPTS, CANARY_SEED, canaryPromptFor, canaryUpstreamBody } from "./prompts";

describe("canary prompts", () => {
  it("cycle through a fixed set with unique ids", () => {
    expect(new Set(CANARY_PROMPTS.map((p) => p.id)).size).toBe(CANARY_PROMPTS.length);
    expect(canaryPromptFor(0)).toBe(CANARY_PROMPTS[0]);
    expect(canaryPromptFor(CANARY_PROMPTS.length + 1)).toBe(CANARY_PROMPTS[1]);
  });

  it("make the body a buyer's streamed completion becomes upstream: valid for the gateway, greedy, seeded, usage on", () => {
    const body = JSON.parse(canaryUpstreamBody({ modelId: "m:q4", prompt: "hello", max_tokens: 32 })) as Record<string, unknown>;
    expect(completionRequest.safeParse(body).success).toBe(true);
    expect(body).toEqual({ model: "m:q4", prompt: "hello", stream: true, stream_options: { include_usage: true }, max_tokens: 32, temperature: 0, seed: CANARY_SEED });
    expect(body).not.toHaveProperty("spotlane");
  });

  it("make the body a buyer's non-streamed completion becomes upstream, in both modes the gateway's own forwarding", () => {
    const body = JSON.parse(canaryUpstreamBody({ modelId: "m:q4", prompt: "hello", max_tokens: 32, stream: false })) as Record<string, unknown>;
    expect(body).toEqual({ model: "m:q4", prompt: "hello", stream: false, max_tokens: 32, temperature: 0, seed: CANARY_SEED });
    expect(completionRequest.safeParse(body).success).toBe(true);
  });
});
