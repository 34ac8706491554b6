import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GpuReport } from "../../../lib/wire/agent";
import {
  checkDecodeClaim,
  classBandwidthGbPerSecond,
  countedDevices,
  isKnownHardwareClass,
  MAX_SINGLE_STREAM_DECODE_TOKENS_PER_SECOND,
  MAX_TENSOR_PARALLEL_DEVICES,
  MIN_CHECKABLE_MODEL_BYTES,
  modelIdBytesPerToken,
  PLAUSIBILITY_TOLERANCE,
} from "./plausibility";

const Q4_8B = 4_920_000_000; // Llama 3.1 8B Q4_K_M
const gpu = (hardware_class: string, n = 1, memory_mb = 24564): GpuReport[] => Array.from({ length: n }, () => ({ name: "GPU", memory_mb, vendor: "nvidia" as const, hardware_class }));
const claim = (o: { hardware_class?: string; gpus?: GpuReport[]; model_id?: string; model_size_bytes?: number; decode?: number } = {}) => {
  const hardware_class = o.hardware_class ?? "nvidia-rtx-4090";
  return checkDecodeClaim({
    hardware: { hardware_class, gpus: o.gpus ?? gpu(hardware_class) },
    model_id: o.model_id ?? "llama-3.1-8b-instruct:q4_k_m",
    model_size_bytes: "model_size_bytes" in o ? o.model_size_bytes : Q4_8B,
    decode_tokens_per_second: o.decode ?? 100,
  });
};

describe("checkDecodeClaim", () => {
  it("refuses a single-stream decode above memory bandwidth ÷ model size, with the numbers in the message", () => {
    const v = claim({ decode: 2000 });
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.ceiling_tokens_per_second).toBeCloseTo(1008e9 / Q4_8B, 9);
      expect(v.message).toMatch(/2000\.0 tokens\/s.*nvidia-rtx-4090 \(1008 GB\/s.*4\.92 GB model at most 204\.9/);
    }
  });

  it("accepts a realistic claim and records the ceiling", () => {
    expect(claim({ decode: 150 })).toMatchObject({ ok: true, check: "plausible", ceiling_tokens_per_second: 1008e9 / Q4_8B, bandwidth_gb_per_second: 1008, devices: 1 });
  });

  it("scales with the devices that hold the model, and bounds a MIG slice by its parent GPU", () => {
    expect(claim({ hardware_class: "nvidia-h100", gpus: gpu("nvidia-h100", 8), decode: 5000 }).ok).toBe(true);
    expect(claim({ hardware_class: "nvidia-h100", decode: 5000 }).ok).toBe(false);
    expect(classBandwidthGbPerSecond("nvidia-h100-mig-3g.40gb")).toBe(3900);
    expect(claim({ hardware_class: "nvidia-h100-mig-1g.10gb", decode: 5000 }).ok).toBe(false);
  });

  // Regression (issue 8, "Self-reported hardware"): each of these used to be accepted unchecked.
  it("cannot be skipped by omitting the model size: the model id bounds it, else the absolute cap does", () => {
    const omitted = claim({ model_size_bytes: undefined, decode: 1e6 });
    expect(omitted.ok).toBe(false);
    // 8 B parameters at ≥ 4 bits, halved for safety: 2 GB → an RTX 4090 reads it at most ~504 times a second.
    expect(claim({ model_size_bytes: undefined, decode: 400 })).toMatchObject({ ok: true, check: "plausible_size_from_model_id", ceiling_tokens_per_second: 504 });
    expect(claim({ model_id: "house-blend", model_size_bytes: undefined, decode: 1e6 })).toMatchObject({ ok: false });
    expect(claim({ model_id: "house-blend", model_size_bytes: undefined, decode: 500 })).toMatchObject({ ok: true, check: "plausible_speed_cap", ceiling_tokens_per_second: MAX_SINGLE_STREAM_DECODE_TOKENS_PER_SECOND });
  });

  it("still bounds models small enough for caches, and a reported size below what the model id implies counts for nothing", () => {
    expect(claim({ model_size_bytes: 1_000_000, decode: 1e6 }).ok).toBe(false);
    expect(claim({ model_id: "tiny", model_size_bytes: 1_000_000, decode: 1e6 }).ok).toBe(false);
    expect(claim({ model_id: "tiny", model_size_bytes: 1_000_000, decode: 3000 })).toMatchObject({ ok: true, check: "plausible_small_model" });
    // An 8B model reported as 1 MB is bounded as the model id's 2 GB.
    expect(claim({ model_size_bytes: 1_000_000, decode: 2000 }).ok).toBe(false);
  });

  it("does not multiply the ceiling by a 64-GPU claim: at most one tensor-parallel group, and only GPUs that can hold weights", () => {
    const h100s = (n: number, memory_mb?: number) => claim({ hardware_class: "nvidia-h100", gpus: gpu("nvidia-h100", n, memory_mb), decode: 10 });
    expect(h100s(64).devices).toBe(MAX_TENSOR_PARALLEL_DEVICES);
    expect(h100s(64).ceiling_tokens_per_second).toBeCloseTo((3900e9 * MAX_TENSOR_PARALLEL_DEVICES) / Q4_8B, 6);
    expect(claim({ hardware_class: "nvidia-h100", gpus: gpu("nvidia-h100", 64), decode: 20_000 }).ok).toBe(false);
    expect(h100s(4, 0).devices).toBe(1);
    // Host memory and unified memory are one device however many GPUs the report lists.
    expect(countedDevices({ hardware_class: "cpu", gpus: gpu("cpu", 64) })).toBe(1);
    expect(countedDevices({ hardware_class: "cpu", gpus: Array.from({ length: 64 }, () => ({ name: "x", memory_mb: 80_000, vendor: "nvidia" as const })) })).toBe(1);
    expect(countedDevices({ hardware_class: "apple-m2-ultra", gpus: gpu("apple-m2-ultra", 8) })).toBe(1);
  });

  it("bounds an unknown class by the fastest known device and names it", () => {
    expect(isKnownHardwareClass("cpu-pricey")).toBe(false);
    expect(isKnownHardwareClass("nvidia-h100-mig-3g.40gb")).toBe(true);
    expect(claim({ hardware_class: "cpu-pricey", gpus: [], decode: 10 })).toMatchObject({ ok: true, check: "unknown_hardware", devices: 1 });
    expect(claim({ hardware_class: "nvidia-mystery-9000", gpus: gpu("nvidia-mystery-9000", 64), decode: 1e6 }).ok).toBe(false);
  });

  it("never refuses a claim at or under the ceiling, and always refuses one above ceiling × tolerance", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("nvidia-rtx-4090", "nvidia-h100", "apple-m3-max", "amd-mi300x", "cpu"),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: MIN_CHECKABLE_MODEL_BYTES, max: 400_000_000_000 }),
        fc.double({ min: 0.01, max: 3, noNaN: true }),
        (hardware_class, n, model_size_bytes, share) => {
          const devices = countedDevices({ hardware_class, gpus: gpu(hardware_class, n) });
          const ceiling = Math.min(MAX_SINGLE_STREAM_DECODE_TOKENS_PER_SECOND, (classBandwidthGbPerSecond(hardware_class)! * devices * 1e9) / model_size_bytes);
          const v = claim({ hardware_class, gpus: gpu(hardware_class, n), model_id: "house-blend", model_size_bytes, decode: ceiling * share });
          expect(v.ok).toBe(share <= PLAUSIBILITY_TOLERANCE);
        },
      ),
    );
  });

  it("no input the agent controls raises the ceiling above the physical one for the model id and the fastest device group", () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 1e12 }), { nil: undefined }),
        fc.integer({ min: 0, max: 64 }),
        fc.constantFrom("nvidia-h100", "nvidia-b200", "cpu", "made-up"),
        (model_size_bytes, n, hardware_class) => {
          const v = claim({ hardware_class, gpus: gpu(hardware_class, n), model_size_bytes, decode: 1 });
          // 8 B at ≥ 4 bits, halved: 2 GB read per token, by at most 8 of the fastest devices.
          expect(v.ceiling_tokens_per_second).toBeLessThanOrEqual((8000e9 * MAX_TENSOR_PARALLEL_DEVICES) / 2e9 + 1e-6);
        },
      ),
    );
  });
});

describe("modelIdBytesPerToken", () => {
  it("reads the parameter count and the quantization's fewest bits, halved for safety", () => {
    expect(modelIdBytesPerToken("llama-3.1-8b-instruct:q4_k_m")).toEqual({ bytes: 2e9, mixture_of_experts: false });
    expect(modelIdBytesPerToken("Qwen/Qwen2.5-0.5B-Instruct")!.bytes).toBeCloseTo((0.5 * 0.5e9 * 1.5) / 8, 0);
    expect(modelIdBytesPerToken("llama-3.3-70b-instruct:f16")!.bytes).toBe(70e9);
    expect(modelIdBytesPerToken("spotlane-tiny-llama:f32")).toBeNull();
  });

  it("counts only the active experts of a mixture", () => {
    expect(modelIdBytesPerToken("qwen3-30b-a3b:q8_0")).toEqual({ bytes: 1.5e9, mixture_of_experts: true });
    expect(modelIdBytesPerToken("mixtral-8x7b-instruct:q4_0")).toEqual({ bytes: 1.75e9, mixture_of_experts: true });
    // The file holds every expert: its size is not what one token reads, so it does not tighten the bound.
    expect(claim({ model_id: "qwen3-30b-a3b:q4_k_m", model_size_bytes: 18e9, decode: 150 }).ok).toBe(true);
  });
});
