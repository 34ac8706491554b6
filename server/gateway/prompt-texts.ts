/**
 * The text of a request that becomes prompt tokens, for the router's prediction and for metering's
 * prompt-token bound (admit.ts `tokenBounds`): a provider is never paid for more prompt tokens than the
 * bytes sent could make, so whatever the engine renders into the prompt must be counted here.
 */
export function promptTexts(body: { messages?: unknown; prompt?: unknown }): string[] {
  if (typeof body.prompt === "string") return [body.prompt];
  if (Array.isArray(body.prompt)) return body.prompt.map(String);
  return ((body.messages as { content?: unknown }[] | undefined) ?? []).map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? "")));
}
