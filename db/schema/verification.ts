import { boolean, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { offers } from "./providers";

/**
 * What a model must answer to the canary prompts under greedy decoding (DESIGN §5), one row per
 * (model id, prompt set version, prompt). `source` says where the expectation came from:
 * - `reference`: seeded by the operator from a known-good copy of the weights (always wins);
 * - `first_use`: trust on first use — the output of the first offer of the model that became verified.
 * A prompt set version fixes the prompts, max_tokens and sampling; changing any of them is a new version.
 */
export const modelFingerprints = pgTable(
  "model_fingerprints",
  {
    modelId: text("model_id").notNull(),
    promptSetVersion: text("prompt_set_version").notNull(),
    promptId: text("prompt_id").notNull(),
    /** SHA-256 (hex) of the generated text. */
    outputSha256: text("output_sha256").notNull(),
    completionTokens: integer("completion_tokens"),
    /** reference | first_use */
    source: text("source").notNull(),
    establishedByOfferId: text("established_by_offer_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.promptSetVersion, t.promptId] })],
);

/**
 * One canary request the marketplace sent to an offer, and what it measured. Canaries are never
 * billed: they have no row in `requests`, no reservation and no journal entry; this table is their
 * only record. `request_id` is the `req_` nonce the agent saw (the same shape as buyer traffic).
 */
export const canaryRuns = pgTable(
  "canary_runs",
  {
    id: text("id").primaryKey(),
    offerId: text("offer_id")
      .notNull()
      .references(() => offers.id, { onDelete: "cascade" }),
    machineId: text("machine_id").notNull(),
    modelId: text("model_id").notNull(),
    requestId: text("request_id").notNull(),
    /** When it was dispatched. */
    at: timestamp("at", { withTimezone: true }).notNull(),
    /** Completed stream with usage; says nothing about identity (see identity_match). */
    ok: boolean("ok").notNull(),
    /** Why it was not ok: unreachable, timeout, http_503, stream_incomplete, … */
    error: text("error"),
    /** Dispatch → first generated text, as the marketplace saw it (network included). */
    ttftMs: integer("ttft_ms"),
    /** Dispatch → last byte. */
    durationMs: integer("duration_ms"),
    /** (completion tokens − 1) ÷ (duration − TTFT): the same formula as for buyer streams. */
    decodeTokensPerSecond: doublePrecision("decode_tokens_per_second"),
    /** Prompt tokens ÷ TTFT: a lower bound (network and scheduling included). */
    prefillTokensPerSecond: doublePrecision("prefill_tokens_per_second"),
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    /** How many canaries ran at once in this probe (1, or the offer's registered slots for a full-load probe). */
    concurrency: integer("concurrency").notNull().default(1),
    /** Streamed (SSE) or one JSON answer: canaries use both so an agent misbehaving in either mode is caught. */
    stream: boolean("stream").notNull().default(true),
    promptSetVersion: text("prompt_set_version").notNull(),
    promptId: text("prompt_id").notNull(),
    outputSha256: text("output_sha256"),
    /** true/false against the model's fingerprint; null when the model has none for this prompt yet. */
    identityMatch: boolean("identity_match"),
  },
  (t) => [index("canary_runs_offer_at_idx").on(t.offerId, t.at)],
);
