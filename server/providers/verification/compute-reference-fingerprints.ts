import { createHash } from "node:crypto";
import { CANARY_PROMPTS, CANARY_SEED } from "./prompts";
import type { ReferenceFingerprint } from "./seed-fingerprints";

/**
 * The part of an engine this needs (structurally the agent's `Engine`; server code does not import
 * the agent): greedy generation from a raw prompt, streamed as text deltas then one "done".
 */
export type ReferenceEngine = {
  generate(
    req: { prompt: string; max_tokens: number; temperature: number; seed?: number },
    signal: AbortSignal,
  ): AsyncIterable<{ type: "delta"; text: string } | { type: "done"; usage: { completion_tokens: number } } | { type: "tool_call" }>;
};

/**
 * Runs the canary prompts through a known-good copy of a model the way an agent serves a canary
 * (raw completion, temperature 0, the canary seed, the same max_tokens) and hashes the text, as the
 * marketplace hashes what comes back over the wire.
 */
export async function computeReferenceFingerprints(engine: ReferenceEngine, opts: { max_tokens: number; timeout_ms?: number }): Promise<ReferenceFingerprint[]> {
  const out: ReferenceFingerprint[] = [];
  for (const p of CANARY_PROMPTS) {
    let text = "";
    let completion_tokens: number | null = null;
    for await (const ev of engine.generate({ prompt: p.prompt, max_tokens: opts.max_tokens, temperature: 0, seed: CANARY_SEED }, AbortSignal.timeout(opts.timeout_ms ?? 120_000))) {
      if (ev.type === "delta") text += ev.text;
      else if (ev.type === "done") completion_tokens = ev.usage.completion_tokens;
    }
    out.push({ promptId: p.id, output_sha256: createHash("sha256").update(text, "utf8").digest("hex"), completion_tokens });
  }
  return out;
}
