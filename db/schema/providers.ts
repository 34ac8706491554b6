import { bigint, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type { HardwareReport } from "../../lib/wire/agent";
import { organizations } from "./auth";

/** Long-lived credential an agent uses to register machines for its organization. */
export const agentTokens = pgTable(
  "agent_tokens",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenPrefix: text("token_prefix").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("agent_tokens_prefix_idx").on(t.tokenPrefix)],
);

export const machines = pgTable(
  "machines",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    agentTokenId: text("agent_token_id").notNull().references(() => agentTokens.id),
    name: text("name").notNull(),
    hardwareClass: text("hardware_class").notNull(),
    hardware: jsonb("hardware").$type<HardwareReport>().notNull(),
    agentVersion: text("agent_version").notNull(),
    endpointUrl: text("endpoint_url").notNull(),
    /** Signs gateway → agent requests; rotated on every registration. */
    secret: text("secret").notNull(),
    /** online | draining | offline */
    status: text("status").notNull(),
    lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }).notNull(),
    registeredAt: timestamp("registered_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * Heartbeat uptime, time-decayed (half-life ~4 h, see server/providers/verification/uptime.ts), ms:
     * of the time the machine was registered and not offline, how much had fresh heartbeats.
     * Uptime = up ÷ observed. A graceful offline (drain) is not counted as downtime.
     */
    heartbeatUpMs: doublePrecision("heartbeat_up_ms").notNull().default(0),
    heartbeatObservedMs: doublePrecision("heartbeat_observed_ms").notNull().default(0),
  },
  (t) => [uniqueIndex("machines_org_name_uq").on(t.organizationId, t.name)],
);

/** One model served by one machine, with its ask per slot-second and the agent's claimed speed. */
export const offers = pgTable(
  "offers",
  {
    id: text("id").primaryKey(),
    machineId: text("machine_id").notNull().references(() => machines.id, { onDelete: "cascade" }),
    organizationId: text("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    modelId: text("model_id").notNull(),
    hardwareClass: text("hardware_class").notNull(),
    /** Slots routing uses: what heartbeats report, never above `registered_slots`. */
    slots: integer("slots").notNull(),
    /** Slots claimed at the last registration (what canaries measure at full concurrency); heartbeats cannot exceed it. */
    registeredSlots: integer("registered_slots").notNull().default(1),
    activeSlots: integer("active_slots").notNull().default(0),
    askNanosPerSecond: bigint("ask_nanos_per_second", { mode: "bigint" }).notNull(),
    engine: text("engine").notNull(),
    engineVersion: text("engine_version").notNull(),
    contextSize: integer("context_size").notNull(),
    claimedDecodeTokensPerSecond: doublePrecision("claimed_decode_tokens_per_second").notNull(),
    claimedPrefillTokensPerSecond: doublePrecision("claimed_prefill_tokens_per_second").notNull(),
    claimedTtftMs: doublePrecision("claimed_ttft_ms").notNull(),
    /** live | withdrawn */
    status: text("status").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),

    // --- Verification (DESIGN §5; rules in server/providers/verification/README.md) ---
    /** Model file size the agent reported, bytes; bounds plausible decode speed with memory bandwidth. */
    modelSizeBytes: bigint("model_size_bytes", { mode: "number" }),
    /** How the decode claim was bounded at registration: `ClaimCheck` in server/providers/verification/plausibility.ts (older rows may hold unchecked_*). */
    claimCheck: text("claim_check").notNull().default("unchecked_unknown_model_size"),
    /** Memory bandwidth ÷ model size: the single-stream decode ceiling, tokens/s; null when unchecked. */
    decodeCeilingTokensPerSecond: doublePrecision("decode_ceiling_tokens_per_second"),
    /** The agent's own decode claim when the marketplace corrected `claimed_decode_tokens_per_second` down. */
    claimedDecodeCorrectedFrom: doublePrecision("claimed_decode_corrected_from"),
    /** unverified | verified | suspended. Only `verified` offers may take buyer traffic. */
    verificationStatus: text("verification_status").notNull().default("unverified"),
    /** identity_mismatch | too_slow | failing, while suspended. */
    suspendedReason: text("suspended_reason"),
    suspendedAt: timestamp("suspended_at", { withTimezone: true }),
    /** Medians of recent observations (canaries and buyer streams) since the last registration. */
    verifiedDecodeTokensPerSecond: doublePrecision("verified_decode_tokens_per_second"),
    verifiedPrefillTokensPerSecond: doublePrecision("verified_prefill_tokens_per_second"),
    verifiedTtftMs: doublePrecision("verified_ttft_ms"),
    verifiedObservations: integer("verified_observations").notNull().default(0),
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    /** 0..1 from heartbeat uptime, failed buyer requests and canary results; null before any canary. */
    reliabilityScore: doublePrecision("reliability_score"),
    /** Last (re-)registration of this offer: observations and canary bursts count from here. */
    lastRegisteredAt: timestamp("last_registered_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the verification worker next sends a canary; null = none scheduled (awaiting re-registration). */
    nextCanaryAt: timestamp("next_canary_at", { withTimezone: true }).defaultNow(),
  },
  (t) => [uniqueIndex("offers_machine_model_uq").on(t.machineId, t.modelId), index("offers_model_idx").on(t.modelId), index("offers_next_canary_idx").on(t.nextCanaryAt)],
);
