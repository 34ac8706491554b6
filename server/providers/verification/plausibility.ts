import type { HardwareReport } from "../../../lib/wire/agent";

/**
 * PURE: is a decode claim physically possible? Generating one token streams every (active) weight
 * through the memory bus once, so a single stream cannot decode faster than memory bandwidth ÷ bytes
 * read per token. Claims above that ceiling are refused at registration. Nothing the agent reports
 * can switch the check off: every input it could omit or shrink has a marketplace-side bound
 * (README.md, "Plausibility at registration").
 *
 * The bandwidth table is the marketplace's own (agents also report a figure; it is never trusted):
 * peak bandwidth of one device, GB/s (10^9 B/s), from vendor spec sheets — the fastest variant of
 * each class, since the check is an upper bound (H100 NVL 3.9 TB/s, A100 80GB SXM 2,039 GB/s, …).
 * A class missing here is unknown: its offers never serve until it is added (rules.ts).
 */
export const MEMORY_BANDWIDTH_GB_PER_SECOND: Readonly<Record<string, number>> = {
  "nvidia-b200": 8000,
  "nvidia-h200": 4800,
  "nvidia-gh200": 4900,
  "nvidia-h100": 3900,
  "nvidia-h800": 3350,
  "nvidia-h20": 4000,
  "nvidia-a100": 2039,
  "nvidia-a800": 2039,
  "nvidia-l40s": 864,
  "nvidia-l40": 864,
  "nvidia-l20": 864,
  "nvidia-l4": 300,
  "nvidia-a10g": 600,
  "nvidia-a10": 600,
  "nvidia-t4": 320,
  "nvidia-v100": 900,
  "nvidia-rtx-5090": 1792,
  "nvidia-rtx-5080": 960,
  "nvidia-rtx-5070-ti": 896,
  "nvidia-rtx-5070": 672,
  "nvidia-rtx-4090": 1008,
  "nvidia-rtx-4080-super": 736,
  "nvidia-rtx-4080": 717,
  "nvidia-rtx-4070-ti-super": 672,
  "nvidia-rtx-4070-ti": 504,
  "nvidia-rtx-4070-super": 504,
  "nvidia-rtx-4070": 504,
  "nvidia-rtx-4060-ti": 288,
  "nvidia-rtx-4060": 272,
  "nvidia-rtx-3090-ti": 1008,
  "nvidia-rtx-3090": 936,
  "nvidia-rtx-3080-ti": 912,
  "nvidia-rtx-3080": 912,
  "nvidia-rtx-3070": 448,
  "nvidia-rtx-3060": 360,
  "nvidia-a6000": 768,
  "nvidia-a5000": 768,
  "nvidia-a4000": 448,
  "nvidia-rtx-6000-ada": 960,
  "amd-mi325x": 6000,
  "amd-mi300x": 5300,
  "amd-mi250x": 3277,
  "amd-mi250": 3277,
  "amd-mi210": 1638,
  "amd-rx-7900-xtx": 960,
  "amd-rx-7900-xt": 800,
  "amd-rx-7900-gre": 576,
  "amd-pro-w7900": 864,
  "apple-m1": 68.25,
  "apple-m1-pro": 200,
  "apple-m1-max": 400,
  "apple-m1-ultra": 800,
  "apple-m2": 100,
  "apple-m2-pro": 200,
  "apple-m2-max": 400,
  "apple-m2-ultra": 800,
  "apple-m3": 100,
  "apple-m3-pro": 150,
  "apple-m3-max": 400,
  "apple-m3-ultra": 819,
  "apple-m4": 120,
  "apple-m4-pro": 273,
  "apple-m4-max": 546,
  // Host memory: a dual-socket server with 12 channels of DDR5-6400 per socket (~1.2 TB/s) is the ceiling.
  cpu: 1250,
};

/** Below this size a model may live in on-chip caches (tens to hundreds of MB), where the DRAM bound does not hold. */
export const MIN_CHECKABLE_MODEL_BYTES = 512 * 1024 * 1024;
/** On-chip caches (GPU L2, CPU L3) are at most about this many times faster than the device's DRAM. */
export const CACHE_BANDWIDTH_FACTOR = 10;
/**
 * No engine the marketplace supports streams one buyer a token faster than every 50 µs, whatever the
 * model: kernel launches, sampling and detokenizing take longer. The bound of last resort, when
 * nothing says how big the model is.
 */
export const MAX_SINGLE_STREAM_DECODE_TOKENS_PER_SECOND = 20_000;
/**
 * Tensor parallelism (the only way several devices speed up one stream) runs inside one node's
 * NVLink / Infinity Fabric domain, at most 8 devices; more devices add pipeline stages, which run one
 * after another and add no single-stream speed.
 */
export const MAX_TENSOR_PARALLEL_DEVICES = 8;
/** A device reported with less memory than this holds no useful share of any model. */
export const MIN_DEVICE_MEMORY_MB = 1024;
/** Room for clock boosts and measurement noise above the theoretical ceiling. */
export const PLAUSIBILITY_TOLERANCE = 1.1;
/**
 * Model names round parameter counts and include embeddings that decoding barely reads; half the
 * named count at the smallest bits of the named quantization is safely below what one token reads.
 */
const MODEL_ID_SIZE_SAFETY = 0.5;

/**
 * Which bound decided the ceiling (stored as `offers.claim_check`):
 * - `plausible`: bandwidth ÷ model size (the larger of the reported size and what the model id implies);
 * - `plausible_size_from_model_id`: no size reported, the model id's parameter count and quantization bound it;
 * - `plausible_small_model`: under 512 MiB, bounded with cache bandwidth (and the absolute cap);
 * - `plausible_speed_cap`: nothing says the model's size, only the absolute single-stream cap applies;
 * - `unknown_hardware`: the class is not in the table; bounded by the fastest known device, and the offer
 *   cannot be verified (rules.ts) until it registers as a known class.
 */
export type ClaimCheck = "plausible" | "plausible_size_from_model_id" | "plausible_small_model" | "plausible_speed_cap" | "unknown_hardware";

export type PlausibilityVerdict =
  | { ok: true; check: ClaimCheck; ceiling_tokens_per_second: number; bandwidth_gb_per_second: number; devices: number; bytes_per_token: number | null }
  | { ok: false; check: "implausible"; ceiling_tokens_per_second: number; bandwidth_gb_per_second: number; devices: number; bytes_per_token: number | null; message: string };

/** Per-device bandwidth of a class; a MIG slice is bounded by its parent GPU's. null = unknown class. */
export function classBandwidthGbPerSecond(hardwareClass: string): number | null {
  const exact = MEMORY_BANDWIDTH_GB_PER_SECOND[hardwareClass];
  if (exact !== undefined) return exact;
  const mig = /^(.*)-mig-/.exec(hardwareClass);
  if (mig) return MEMORY_BANDWIDTH_GB_PER_SECOND[mig[1]!] ?? null;
  return null;
}

export const isKnownHardwareClass = (hardwareClass: string) => classBandwidthGbPerSecond(hardwareClass) !== null;

const FASTEST_KNOWN_DEVICE_GB_PER_SECOND = Math.max(...Object.values(MEMORY_BANDWIDTH_GB_PER_SECOND));

/**
 * Devices of the machine's class that can speed up one stream. Host memory (`cpu`), Apple's unified
 * memory and a MIG slice are one device whatever the list says; GPUs count when of the class (older
 * agents do not label each GPU: then the machine's class), of a real vendor, with memory that can hold
 * a share of a model, and at most a tensor-parallel group's worth.
 */
export function countedDevices(hardware: Pick<HardwareReport, "hardware_class" | "gpus">): number {
  const cls = hardware.hardware_class;
  if (cls === "cpu" || cls.startsWith("apple-") || cls.includes("-mig-")) return 1;
  const matching = hardware.gpus.filter((g) => (g.hardware_class ?? cls) === cls && g.vendor !== "other" && g.memory_mb >= MIN_DEVICE_MEMORY_MB).length;
  return Math.min(MAX_TENSOR_PARALLEL_DEVICES, Math.max(1, matching));
}

/** Fewest bits per weight each quantization name can mean (K-quants mix in larger blocks, never smaller). */
const QUANT_BITS: readonly [RegExp, number][] = [
  [/\b(f32|fp32|float32)\b/, 32],
  [/\b(f16|fp16|bf16|float16|bfloat16)\b/, 16],
  [/\b(q8(_\w+)?|fp8|int8|w8a8|w8a16|8bit)\b/, 8],
  [/\b(q6(_\w+)?)\b/, 6],
  [/\b(q5(_\w+)?)\b/, 5],
  [/\b(q4(_\w+)?|iq4(_\w+)?|int4|awq|gptq|nf4|w4a16|mxfp4|4bit)\b/, 4],
  [/\b(q3(_\w+)?|iq3(_\w+)?)\b/, 3],
  [/\b(q2(_\w+)?|iq2(_\w+)?)\b/, 2],
];
/** iq1_s, ~1.56 bits per weight: nothing smaller runs in any supported engine. */
const MIN_BITS_PER_WEIGHT = 1.5;

/**
 * The fewest bytes one decoded token must read, judging by the model id alone ("llama-3.1-8b-instruct:q4_k_m"
 * → 8 B parameters at ≥ 4 bits), or null when the id names no parameter count. Mixture-of-experts ids
 * ("qwen3-30b-a3b", "mixtral-8x7b") read only the active experts' weights: the active count, or one expert.
 */
export function modelIdBytesPerToken(modelId: string): { bytes: number; mixture_of_experts: boolean } | null {
  const id = modelId.toLowerCase();
  const count = (n: string, unit: string) => Number(n) * (unit === "b" ? 1e9 : unit === "m" ? 1e6 : 1e12);
  const active = /(?:^|[^a-z0-9.])a(\d+(?:\.\d+)?)([bmt])(?![a-z0-9])/.exec(id);
  const experts = /(?:^|[^a-z0-9.])\d+x(\d+(?:\.\d+)?)([bmt])(?![a-z0-9])/.exec(id);
  const dense = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)([bmt])(?![a-z0-9])/.exec(id);
  const moe = active ?? experts;
  const params = moe ? count(moe[1]!, moe[2]!) : dense ? count(dense[1]!, dense[2]!) : null;
  if (params === null || !(params > 0)) return null;
  const named = QUANT_BITS.filter(([re]) => re.test(id)).map(([, b]) => b);
  const bits = named.length > 0 ? Math.min(...named) : MIN_BITS_PER_WEIGHT;
  return { bytes: (MODEL_ID_SIZE_SAFETY * params * bits) / 8, mixture_of_experts: moe !== null };
}

export function checkDecodeClaim(input: {
  hardware: Pick<HardwareReport, "hardware_class" | "gpus">;
  model_id: string;
  /** The agent's file size: self-reported, so only ever raises the bound's size (never lowers it below the model id's). */
  model_size_bytes: number | undefined;
  decode_tokens_per_second: number;
}): PlausibilityVerdict {
  const cls = input.hardware.hardware_class;
  const known = classBandwidthGbPerSecond(cls);
  // An unknown class is bounded by one of the fastest devices the marketplace knows: the most any single device could do.
  const per_device = known ?? FASTEST_KNOWN_DEVICE_GB_PER_SECOND;
  const devices = known === null ? 1 : countedDevices(input.hardware);
  const bandwidth = per_device * devices;

  const fromId = modelIdBytesPerToken(input.model_id);
  // A mixture of experts reads only its active share per token; the file (all experts) would overstate it.
  const reported = fromId?.mixture_of_experts ? undefined : input.model_size_bytes;
  const bytes = reported !== undefined || fromId ? Math.max(reported ?? 0, fromId?.bytes ?? 0) : null;

  let check: ClaimCheck;
  let ceiling: number;
  if (bytes === null) {
    check = "plausible_speed_cap";
    ceiling = MAX_SINGLE_STREAM_DECODE_TOKENS_PER_SECOND;
  } else if (bytes < MIN_CHECKABLE_MODEL_BYTES) {
    check = "plausible_small_model";
    ceiling = Math.min(MAX_SINGLE_STREAM_DECODE_TOKENS_PER_SECOND, (bandwidth * CACHE_BANDWIDTH_FACTOR * 1e9) / bytes);
  } else {
    check = reported !== undefined ? "plausible" : "plausible_size_from_model_id";
    ceiling = Math.min(MAX_SINGLE_STREAM_DECODE_TOKENS_PER_SECOND, (bandwidth * 1e9) / bytes);
  }
  if (known === null) check = "unknown_hardware";
  const base = { ceiling_tokens_per_second: ceiling, bandwidth_gb_per_second: bandwidth, devices, bytes_per_token: bytes };
  if (input.decode_tokens_per_second > ceiling * PLAUSIBILITY_TOLERANCE) {
    const what =
      bytes === null
        ? `no engine streams one request faster than ${MAX_SINGLE_STREAM_DECODE_TOKENS_PER_SECOND} tokens/s`
        : `${devices > 1 ? `${devices}× ` : ""}${known === null ? `${cls} (unknown class, bounded as the fastest known device)` : cls} (${bandwidth} GB/s memory bandwidth) can stream a ${(bytes / 1e9).toFixed(2)} GB model at most ` +
          `${ceiling.toFixed(1)} times per second (bandwidth ÷ model size${bytes < MIN_CHECKABLE_MODEL_BYTES ? `, with on-chip caches ${CACHE_BANDWIDTH_FACTOR}× faster` : ""})`;
    return {
      ok: false,
      check: "implausible",
      ...base,
      message:
        `Claimed decode speed for '${input.model_id}' is physically implausible: ${input.decode_tokens_per_second.toFixed(1)} tokens/s, but ${what}. ` +
        `Re-run the agent's benchmark and register with the measured figure.`,
    };
  }
  return { ok: true, check, ...base };
}
