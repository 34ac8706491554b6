/**
 * PURE: is a decode claim physically possible? Generating one token streams every weight through
 * the memory bus once, so a single stream cannot decode faster than memory bandwidth ÷ model size.
 * Claims above that ceiling are refused at registration; claims we cannot bound are accepted and
 * flagged (canaries measure every offer anyway).
 *
 * The bandwidth table is the marketplace's own (agents also report a figure; it is never trusted):
 * peak bandwidth of one device, GB/s (10^9 B/s), from vendor spec sheets — the fastest variant of
 * each class, since the check is an upper bound (H100 NVL 3.9 TB/s, A100 80GB SXM 2,039 GB/s, …).
 */
export const MEMORY_BANDWIDTH_GB_PER_SECOND: Readonly<Record<string, number>> = {
  "nvidia-b200": 8000,
  "nvidia-h200": 4800,
  "nvidia-gh200": 4900,
  "nvidia-h100": 3900,
  "nvidia-a100": 2039,
  "nvidia-l40s": 864,
  "nvidia-l40": 864,
  "nvidia-l4": 300,
  "nvidia-a10g": 600,
  "nvidia-a10": 600,
  "nvidia-t4": 320,
  "nvidia-v100": 900,
  "nvidia-rtx-5090": 1792,
  "nvidia-rtx-4090": 1008,
  "nvidia-rtx-4080-super": 736,
  "nvidia-rtx-4080": 717,
  "nvidia-rtx-3090-ti": 1008,
  "nvidia-rtx-3090": 936,
  "nvidia-a6000": 768,
  "nvidia-rtx-6000-ada": 960,
  "amd-mi325x": 6000,
  "amd-mi300x": 5300,
  "amd-mi250x": 3277,
  "amd-mi250": 3277,
  "amd-mi210": 1638,
  "amd-rx-7900-xtx": 960,
  "amd-rx-7900-xt": 800,
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
/** Room for clock boosts and measurement noise above the theoretical ceiling. */
export const PLAUSIBILITY_TOLERANCE = 1.1;

export type ClaimCheck = "plausible" | "unchecked_unknown_hardware" | "unchecked_unknown_model_size" | "unchecked_small_model";

export type PlausibilityVerdict =
  | { ok: true; check: ClaimCheck; ceiling_tokens_per_second: number | null; bandwidth_gb_per_second: number | null }
  | { ok: false; check: "implausible"; ceiling_tokens_per_second: number; bandwidth_gb_per_second: number; message: string };

/** Per-device bandwidth of a class; a MIG slice is bounded by its parent GPU's. */
export function classBandwidthGbPerSecond(hardwareClass: string): number | null {
  const exact = MEMORY_BANDWIDTH_GB_PER_SECOND[hardwareClass];
  if (exact !== undefined) return exact;
  const mig = /^(.*)-mig-/.exec(hardwareClass);
  if (mig) return MEMORY_BANDWIDTH_GB_PER_SECOND[mig[1]!] ?? null;
  return null;
}

export function checkDecodeClaim(input: {
  hardware_class: string;
  /** Devices of the class on the machine (tensor parallelism reads weights over all their buses at once); ≥ 1. */
  devices: number;
  model_id: string;
  model_size_bytes: number | undefined;
  decode_tokens_per_second: number;
}): PlausibilityVerdict {
  const per_device = classBandwidthGbPerSecond(input.hardware_class);
  if (per_device === null) return { ok: true, check: "unchecked_unknown_hardware", ceiling_tokens_per_second: null, bandwidth_gb_per_second: null };
  const devices = Math.max(1, Math.floor(input.devices));
  const bandwidth = per_device * devices;
  if (input.model_size_bytes === undefined) return { ok: true, check: "unchecked_unknown_model_size", ceiling_tokens_per_second: null, bandwidth_gb_per_second: bandwidth };
  if (input.model_size_bytes < MIN_CHECKABLE_MODEL_BYTES) return { ok: true, check: "unchecked_small_model", ceiling_tokens_per_second: null, bandwidth_gb_per_second: bandwidth };
  const ceiling = (bandwidth * 1e9) / input.model_size_bytes;
  if (input.decode_tokens_per_second > ceiling * PLAUSIBILITY_TOLERANCE) {
    const gb = (input.model_size_bytes / 1e9).toFixed(2);
    return {
      ok: false,
      check: "implausible",
      ceiling_tokens_per_second: ceiling,
      bandwidth_gb_per_second: bandwidth,
      message:
        `Claimed decode speed for '${input.model_id}' is physically implausible: ${input.decode_tokens_per_second.toFixed(1)} tokens/s, ` +
        `but ${devices > 1 ? `${devices}× ` : ""}${input.hardware_class} (${bandwidth} GB/s memory bandwidth) can stream a ${gb} GB model at most ` +
        `${ceiling.toFixed(1)} times per second (bandwidth ÷ model size). Re-run the agent's benchmark and register with the measured figure.`,
    };
  }
  return { ok: true, check: "plausible", ceiling_tokens_per_second: ceiling, bandwidth_gb_per_second: bandwidth };
}
