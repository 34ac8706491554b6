import { sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { modelFingerprints } from "../../../db/schema";

export type ReferenceFingerprint = { promptId: string; output_sha256: string; completion_tokens: number | null };

/**
 * Seeds a model's reference fingerprints (computed by the operator from a known-good copy of the
 * weights, e.g. with computeReferenceFingerprints). A reference replaces a first-use fingerprint:
 * the operator's copy is the ground truth. Idempotent.
 */
export async function seedModelFingerprints(
  q: Queryable,
  input: { modelId: string; promptSetVersion: string; fingerprints: ReferenceFingerprint[]; now: Date },
): Promise<void> {
  if (input.fingerprints.length === 0) return;
  await q
    .insert(modelFingerprints)
    .values(
      input.fingerprints.map((f) => ({
        modelId: input.modelId,
        promptSetVersion: input.promptSetVersion,
        promptId: f.promptId,
        outputSha256: f.output_sha256,
        completionTokens: f.completion_tokens,
        source: "reference",
        establishedByOfferId: null,
        createdAt: input.now,
        updatedAt: input.now,
      })),
    )
    .onConflictDoUpdate({
      target: [modelFingerprints.modelId, modelFingerprints.promptSetVersion, modelFingerprints.promptId],
      set: { outputSha256: sql`excluded.output_sha256`, completionTokens: sql`excluded.completion_tokens`, source: "reference", establishedByOfferId: null, updatedAt: input.now },
    });
}
