import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { canaryRuns, modelFingerprints } from "../../../db/schema";
import { CANARY_PROMPTS } from "./prompts";

/**
 * Trust on first use: for each canary prompt the model has no fingerprint for, the output of the
 * first offer of that model to become verified becomes the fingerprint (`source = first_use`). Called
 * for a verified offer after each of its canaries; a concurrent offer that got there first wins (the
 * insert does nothing on conflict), and this offer's pending runs are then judged against the winner.
 *
 * The weakness: whoever is first for a model id defines it. A dishonest first provider would make
 * the honest ones look like impostors. Seeded `reference` fingerprints (seed-fingerprints.ts) close
 * that hole for the models an operator cares about, and always replace first-use ones.
 */
export async function establishFingerprintsOnFirstUse(
  q: Queryable,
  input: { offerId: string; modelId: string; promptSetVersion: string; now: Date },
): Promise<number> {
  const have = await q
    .select({ promptId: modelFingerprints.promptId })
    .from(modelFingerprints)
    .where(and(eq(modelFingerprints.modelId, input.modelId), eq(modelFingerprints.promptSetVersion, input.promptSetVersion)));
  const missing = CANARY_PROMPTS.filter((p) => !have.some((h) => h.promptId === p.id));
  let established = 0;
  for (const { id: promptId } of missing) {
    const [run] = await q
      .select({ outputSha256: canaryRuns.outputSha256, completionTokens: canaryRuns.completionTokens })
      .from(canaryRuns)
      .where(and(eq(canaryRuns.offerId, input.offerId), eq(canaryRuns.promptSetVersion, input.promptSetVersion), eq(canaryRuns.promptId, promptId), eq(canaryRuns.ok, true), isNull(canaryRuns.identityMatch)))
      .orderBy(desc(canaryRuns.at))
      .limit(1);
    if (!run?.outputSha256) continue;
    const inserted = await q
      .insert(modelFingerprints)
      .values({
        modelId: input.modelId,
        promptSetVersion: input.promptSetVersion,
        promptId,
        outputSha256: run.outputSha256,
        completionTokens: run.completionTokens,
        source: "first_use",
        establishedByOfferId: input.offerId,
        createdAt: input.now,
        updatedAt: input.now,
      })
      .onConflictDoNothing()
      .returning({ promptId: modelFingerprints.promptId });
    established += inserted.length;
    // This offer's runs that waited for a fingerprint are now judged against whichever one exists.
    await q
      .update(canaryRuns)
      .set({
        identityMatch: sql`${canaryRuns.outputSha256} = (select ${modelFingerprints.outputSha256} from ${modelFingerprints} where ${modelFingerprints.modelId} = ${input.modelId} and ${modelFingerprints.promptSetVersion} = ${input.promptSetVersion} and ${modelFingerprints.promptId} = ${promptId})`,
      })
      .where(and(eq(canaryRuns.offerId, input.offerId), eq(canaryRuns.promptSetVersion, input.promptSetVersion), eq(canaryRuns.promptId, promptId), eq(canaryRuns.ok, true), isNull(canaryRuns.identityMatch)));
  }
  return established;
}
