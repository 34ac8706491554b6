import { z } from "zod";

/** Wire contracts between the marketplace and `spotlane-agent`. Money travels as integer-nano strings. */
export const nanosString = z.string().regex(/^\d+$/, "integer nano-USD as a decimal string");

export const AGENT_API_PREFIX = "/agent/v1";

export const gpuReport = z.object({
  name: z.string().max(200),
  memory_mb: z.number().int().nonnegative(),
  vendor: z.enum(["nvidia", "amd", "apple", "other"]),
  // Optional additions (issue 3): older agents omit them.
  hardware_class: z.string().max(64).optional(),
  memory_bandwidth_gb_per_second: z.number().positive().optional(),
  /** NVIDIA MIG: the GPU instance profile this device is (e.g. "3g.40gb"); absent for whole GPUs. */
  mig_profile: z.string().max(32).optional(),
});
export type GpuReport = z.infer<typeof gpuReport>;

export const hardwareReport = z.object({
  hardware_class: z.string().min(1).max(64),
  cpu_model: z.string().max(200),
  cpu_cores: z.number().int().positive(),
  memory_mb: z.number().int().nonnegative(),
  gpus: z.array(gpuReport).max(64),
  // Optional additions (issue 3). Bandwidth is the vendor's spec for the class's device (what bounds
  // decode speed: bytes of weights read per token); the marketplace keeps its own table and never
  // trusts this figure, it is informational.
  memory_bandwidth_gb_per_second: z.number().positive().optional(),
  /** Memory the engine can put weights in: VRAM of the class's GPUs, or unified memory on Apple. */
  accelerator_memory_mb: z.number().int().nonnegative().optional(),
  /** How the class was found: "nvidia-smi", "rocm-smi", "amd-smi", "system_profiler", "cpu", "override". */
  detected_by: z.string().max(32).optional(),
});
export type HardwareReport = z.infer<typeof hardwareReport>;

export const benchmarkResult = z.object({
  /** Per slot, with every slot busy (what one buyer's stream gets from a loaded machine). */
  decode_tokens_per_second: z.number().positive(),
  prefill_tokens_per_second: z.number().positive(),
  /** Median time to first token, short prompt, one request at a time. */
  ttft_ms: z.number().nonnegative(),
  // Optional additions (issue 3): older agents omit them.
  suite_version: z.string().max(64).optional(),
  /** 95th percentile time to first token, short prompt, every slot busy. */
  ttft_p95_ms: z.number().nonnegative().optional(),
  /** Concurrent requests the decode figure was measured at (the offer's slots). */
  concurrency: z.number().int().positive().optional(),
});
export type BenchmarkResult = z.infer<typeof benchmarkResult>;

export const offerClaim = z.object({
  model_id: z.string().min(1).max(200),
  slots: z.number().int().min(1).max(1024),
  ask_nanos_per_second: nanosString,
  engine: z.string().max(64),
  engine_version: z.string().max(64),
  context_size: z.number().int().positive(),
  benchmark: benchmarkResult,
  // Optional addition (issue 3, marketplace side): size of the model file in bytes. With the hardware
  // class's memory bandwidth it bounds single-stream decode speed (every token reads all weights once);
  // a claim above that bound is refused at registration. Omitted → the claim is accepted but flagged unchecked.
  model_size_bytes: z.number().int().positive().optional(),
});
export type OfferClaim = z.infer<typeof offerClaim>;

export const registerMachineRequest = z.object({
  name: z.string().min(1).max(120),
  agent_version: z.string().max(64),
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
  machine_id: z.string(),
  draining: z.boolean().default(false),
  offers: z.array(z.object({ offer_id: z.string(), active_slots: z.number().int().nonnegative(), slots: z.number().int().positive() })).max(32),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequest>;

export const heartbeatResponse = z.object({ ok: z.literal(true), server_time_ms: z.number() });
export type HeartbeatResponse = z.infer<typeof heartbeatResponse>;

/** `spotlane-agent status`: what the marketplace thinks of a provider's machines. */
export const machineStatusRequest = z.object({ machine_id: z.string().optional(), name: z.string().optional() });
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
