import type { CapabilityName } from "../router/types";

/**
 * PURE: what a request needs of an engine beyond plain text, each with the request field that needs it
 * (the OpenAI error `param` when nothing can serve it). Routing sends a request only to offers whose
 * engine reported every capability it needs (issue 12): a parameter is never silently dropped.
 */
export type RequestNeeds = { capability: CapabilityName; param: string }[];

export function requestNeeds(endpoint: "chat.completions" | "completions" | "embeddings", body: Record<string, unknown>): RequestNeeds {
  const needs: RequestNeeds = [];
  if (endpoint === "embeddings") return [{ capability: "embeddings", param: "model" }];
  if (Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== "none") needs.push({ capability: "tools", param: "tools" });
  const format = (body.response_format as { type?: unknown } | null | undefined)?.type;
  if (format === "json_object" || format === "json_schema") needs.push({ capability: "json_schema", param: "response_format" });
  if (endpoint === "chat.completions" ? body.logprobs === true : typeof body.logprobs === "number") needs.push({ capability: "logprobs", param: "logprobs" });
  return needs;
}
