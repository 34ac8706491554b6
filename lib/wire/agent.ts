import { z } from "zod";
import { askNanosString, intIn, positiveUpTo, wireText } from "./inputs";

/** Wire contracts between the marketplace and `spotlane-agent`. Money travels as integer-nano strings. */
export const nanosString = z.string().regex(/^\d+$/, "integer nano-USD as a decimal string");

export const AGENT_API_PREFIX = "/agent/v1";

/** Ranges of what agents report: generous for real hardware, tight enough for integer columns and arithmetic. */
export const MAX_SLOTS = 1024;
const MAX_MEMORY_MB = 1_000_000_000;
const MAX_BANDWIDTH_GB_PER_SECOND = 1_000_000;
const MAX_TTFT_MS = 3_600_000;

export const gpuReport = z.object({
  name: wireText(200),
  memory_mb: intIn(0, MAX_MEMORY_MB),
  vendor: z.enum(["nvidia", "amd", "apple", "other"]),
  // Optional additions (issue 3): older agents omit them.
  hardware_class: wireText(64).optional(),
  memory_bandwidth_gb_per_second: positiveUpTo(MAX_BANDWIDTH_GB_PER_SECOND).optional(),
  /** NVIDIA MIG: the GPU instance profile this device is (e.g. "3g.40gb"); absent for whole GPUs. */
  mig_profile: wireText(32).optional(),
});
export type GpuReport = z.infer<typeof gpuReport>;

export const hardwareReport = z.object({
  hardware_class: wireText(64).pipe(z.string().min(1)),
  cpu_model: wireText(200),
  cpu_cores: intIn(1, 100_000),
  memory_mb: intIn(0, MAX_MEMORY_MB),
  gpus: z.array(gpuReport).max(64),
  // Optional additions (issue 3). Bandwidth is the vendor's spec for the class's device (what bounds
  // decode speed: bytes of weights read per token); the marketplace keeps its own table and never
  // trusts this figure, it is informational.
  memory_bandwidth_gb_per_second: positiveUpTo(MAX_BANDWIDTH_GB_PER_SECOND).optional(),
  /** Memory the engine can put weights in: VRAM of the class's GPUs, or unified memory on Apple. */
  accelerator_memory_mb: intIn(0, MAX_MEMORY_MB).optional(),
  /** How the class was found: "nvidia-smi", "rocm-smi", "amd-smi", "system_profiler", "cpu", "override". */
  detected_by: wireText(32).optional(),
});
export type HardwareReport = z.infer<typeof hardwareReport>;

export const benchmarkResult = z.object({
  /** Per slot, with every slot busy (what one buyer's stream gets from a loaded machine). */
  decode_tokens_per_second: positiveUpTo(1_000_000),
  prefill_tokens_per_second: positiveUpTo(100_000_000),
  /** Median time to first token, short prompt, one request at a time. */
  ttft_ms: z.number().nonnegative().max(MAX_TTFT_MS),
  // Optional additions (issue 3): older agents omit them.
  suite_version: wireText(64).optional(),
  /** 95th percentile time to first token, short prompt, every slot busy. */
  ttft_p95_ms: z.number().nonnegative().max(MAX_TTFT_MS).optional(),
  /** Concurrent requests the decode figure was measured at (the offer's slots). */
  concurrency: intIn(1, MAX_SLOTS).optional(),
});
export type BenchmarkResult = z.infer<typeof benchmarkResult>;

/**
 * What the offer's engine serves beyond plain text (issue 12). Older agents omit it: such an offer gets
 * plain requests only, since routing never sends a request where a parameter would be dropped.
 */
export const engineCapabilities = z.object({
  tools: z.boolean(),
  json_schema: z.boolean(),
  logprobs: z.boolean(),
  embeddings: z.boolean(),
});
export type EngineCapabilitiesReport = z.infer<typeof engineCapabilities>;

export const offerClaim = z.object({
  model_id: wireText(200).pipe(z.string().min(1)),
  slots: intIn(1, MAX_SLOTS),
  ask_nanos_per_second: askNanosString,
  engine: wireText(64),
  engine_version: wireText(64),
  context_size: intIn(1, 100_000_000),
  benchmark: benchmarkResult,
  // Optional addition (issue 3, marketplace side): size of the model file in bytes. With the hardware
  // class's memory bandwidth it bounds single-stream decode speed (every token reads all weights once);
  // a claim above that bound is refused at registration. Omitted → the claim is accepted but flagged unchecked.
  model_size_bytes: intIn(1, Number.MAX_SAFE_INTEGER).optional(),
  capabilities: engineCapabilities.optional(),
});
export type OfferClaim = z.infer<typeof offerClaim>;

export const registerMachineRequest = z.object({
  name: wireText(120).pipe(z.string().min(1)),
  agent_version: wireText(64),
  endpoint_url: z.url(),
  hardware: hardwareReport,
  offers: z.array(offerClaim).min(1).max(32),
});
export type RegisterMachineRequest = z.infer<typeof registerMachineRequest>;

export const registerMachineResponse = z.object({
  machine_id: z.string(),
  machine_secret: z.string(),
  heartbeat_interval_ms: z.number().int().positive(),
  offers: z.array(z.object({ offer_id: z.string(), model_id: z.string() })),
});
export type RegisterMachineResponse = z.infer<typeof registerMachineResponse>;

export const heartbeatRequest = z.object({
  machine_id: wireText(64),
  draining: z.boolean().default(false),
  offers: z.array(z.object({ offer_id: wireText(64), active_slots: intIn(0, MAX_SLOTS), slots: intIn(1, MAX_SLOTS) })).max(32),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequest>;

export const heartbeatResponse = z.object({ ok: z.literal(true), server_time_ms: z.number() });
export type HeartbeatResponse = z.infer<typeof heartbeatResponse>;

/** `spotlane-agent status`: what the marketplace thinks of a provider's machines. */
export const machineStatusRequest = z.object({ machine_id: wireText(64).optional(), name: wireText(120).optional() });
export type MachineStatusRequest = z.infer<typeof machineStatusRequest>;

const performanceFigures = z.looseObject({
  decode_tokens_per_second: z.number().nullish(),
  prefill_tokens_per_second: z.number().nullish(),
  ttft_ms: z.number().nullish(),
});

export const machineStatusOffer = z.looseObject({
  offer_id: z.string(),
  model_id: z.string(),
  gate_reasons: z.array(z.string()),
  hardware_class: z.string().nullish(),
  ask_nanos_per_second: nanosString.nullish(),
  /** The spot routing compares the ask with (`ask_above_spot`); null when the market has no price. */
  spot_nanos_per_second: nanosString.nullish(),
  slots: z.number().int().nullish(),
  active_slots: z.number().int().nullish(),
  claimed: performanceFigures.nullish(),
  verified: performanceFigures.nullish(),
  reliability_score: z.number().nullish(),
});
export type MachineStatusOffer = z.infer<typeof machineStatusOffer>;

export const machineStatusResponse = z.object({
  machines: z.array(
    z.looseObject({
      machine_id: z.string(),
      name: z.string(),
      status: z.string(),
      last_heartbeat_at: z.string().nullish(),
      offers: z.array(machineStatusOffer),
    }),
  ),
});
export type MachineStatusResponse = z.infer<typeof machineStatusResponse>;
