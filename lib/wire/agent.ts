import { z } from "zod";

/** Wire contracts between the marketplace and `spotlane-agent`. Money travels as integer-nano strings. */
export const nanosString = z.string().regex(/^\d+$/, "integer nano-USD as a decimal string");

export const AGENT_API_PREFIX = "/agent/v1";

export const hardwareReport = z.object({
  hardware_class: z.string().min(1).max(64),
  cpu_model: z.string().max(200),
  cpu_cores: z.number().int().positive(),
  memory_mb: z.number().int().nonnegative(),
  gpus: z.array(z.object({ name: z.string().max(200), memory_mb: z.number().int().nonnegative(), vendor: z.enum(["nvidia", "amd", "apple", "other"]) })).max(64),
});
export type HardwareReport = z.infer<typeof hardwareReport>;

export const benchmarkResult = z.object({
  decode_tokens_per_second: z.number().positive(),
  prefill_tokens_per_second: z.number().positive(),
  ttft_ms: z.number().nonnegative(),
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
