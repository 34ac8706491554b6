/**
 * Reference fingerprints for a model (server/providers/verification/README.md): runs the canary
 * prompts through a known-good copy of the weights in embedded llama.cpp, greedy, and stores the
 * output hashes as the model's `reference` fingerprints, so an agent serving other weights under
 * that model id is suspended instead of defining the model by trust on first use.
 *
 * `npm start` does this for the demo model. For any other model, against PostgreSQL:
 *   DATABASE_URL=postgres://… npx tsx scripts/seed-reference-fingerprints.ts --model path.gguf --model-id llama-3.1-8b-instruct:q4_k_m
 */
import { and, eq } from "drizzle-orm";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { createEmbeddedEngine } from "../agent/src/engine/embedded";
import type { Db } from "../db/client";
import { modelFingerprints } from "../db/schema";
import { computeReferenceFingerprints } from "../server/providers/verification/compute-reference-fingerprints";
import { DEFAULT_VERIFICATION_CONFIG } from "../server/providers/verification/config";
import { CANARY_PROMPTS, PROMPT_SET_VERSION } from "../server/providers/verification/prompts";
import { seedModelFingerprints } from "../server/providers/verification/seed-fingerprints";

/** Seeds the model's reference fingerprints unless the current prompt set already has them all. Returns whether it computed. */
export async function seedReferenceFingerprints(db: Db, input: { modelPath: string; modelId: string; force?: boolean; now?: Date }): Promise<boolean> {
  if (!input.force) {
    const have = await db
      .select({ promptId: modelFingerprints.promptId })
      .from(modelFingerprints)
      .where(and(eq(modelFingerprints.modelId, input.modelId), eq(modelFingerprints.promptSetVersion, PROMPT_SET_VERSION), eq(modelFingerprints.source, "reference")));
    if (have.length >= CANARY_PROMPTS.length) return false;
  }
  const engine = await createEmbeddedEngine({ modelPath: input.modelPath, slots: 1, contextSize: 1024 });
  try {
    const fingerprints = await computeReferenceFingerprints(engine, { max_tokens: DEFAULT_VERIFICATION_CONFIG.max_tokens });
    await seedModelFingerprints(db, { modelId: input.modelId, promptSetVersion: PROMPT_SET_VERSION, fingerprints, now: input.now ?? new Date() });
  } finally {
    await engine.close();
  }
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { model: { type: "string" }, "model-id": { type: "string" }, force: { type: "boolean", default: false } } });
  if (!values.model || !values["model-id"]) {
    console.error("usage: seed-reference-fingerprints.ts --model FILE.gguf --model-id MODEL_ID [--force]");
    process.exit(2);
  }
  const { readEnv } = await import("../server/env");
  const { openDatabase } = await import("../db/client");
  const env = readEnv();
  const { join, resolve } = await import("node:path");
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: join(resolve(env.DATA_DIR), "pglite") });
  try {
    const computed = await seedReferenceFingerprints(database.db, { modelPath: values.model, modelId: values["model-id"], force: values.force });
    console.log(computed ? `seeded ${CANARY_PROMPTS.length} reference fingerprints for ${values["model-id"]} (prompt set ${PROMPT_SET_VERSION})` : "already seeded (use --force to recompute)");
  } finally {
    await database.close();
  }
}
