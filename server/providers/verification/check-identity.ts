import { and, eq } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { modelFingerprints } from "../../../db/schema";

/**
 * Does this canary's greedy output match the model's fingerprint for its prompt? null when it cannot
 * say: the canary produced nothing, or the model has no fingerprint for the prompt yet (see
 * establish-fingerprints.ts for trust on first use).
 */
export async function checkIdentity(
  q: Queryable,
  input: { modelId: string; promptSetVersion: string; promptId: string; output_sha256: string | null },
): Promise<boolean | null> {
  if (input.output_sha256 === null) return null;
  const [fp] = await q
    .select({ outputSha256: modelFingerprints.outputSha256 })
    .from(modelFingerprints)
    .where(and(eq(modelFingerprints.modelId, input.modelId), eq(modelFingerprints.promptSetVersion, input.promptSetVersion), eq(modelFingerprints.promptId, input.promptId)))
    .limit(1);
  if (!fp) return null;
  return fp.outputSha256 === input.output_sha256;
}
