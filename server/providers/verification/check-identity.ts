import { and, eq } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { modelFingerprints } from "../../../db/schema";

/**
 * Does this canary's greedy output match the model's fingerprint for its prompt? `match` is null when
 * it cannot say: the canary produced nothing, or the model has no fingerprint for the prompt yet (see
 * establish-fingerprints.ts for trust on first use). `completion_tokens` is what the fingerprinted
 * answer counted, when recorded: the same text from the same weights is the same number of tokens, so
 * a matching text with another count is a usage report that lies.
 */
export async function checkIdentity(
  q: Queryable,
  input: { modelId: string; promptSetVersion: string; promptId: string; output_sha256: string | null },
): Promise<{ match: boolean | null; completion_tokens: number | null }> {
  if (input.output_sha256 === null) return { match: null, completion_tokens: null };
  const [fp] = await q
    .select({ outputSha256: modelFingerprints.outputSha256, completionTokens: modelFingerprints.completionTokens })
    .from(modelFingerprints)
    .where(and(eq(modelFingerprints.modelId, input.modelId), eq(modelFingerprints.promptSetVersion, input.promptSetVersion), eq(modelFingerprints.promptId, input.promptId)))
    .limit(1);
  if (!fp) return { match: null, completion_tokens: null };
  return { match: fp.outputSha256 === input.output_sha256, completion_tokens: fp.completionTokens };
}
