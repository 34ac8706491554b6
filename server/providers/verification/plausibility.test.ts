import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkDecodeClaim, classBandwidthGbPerSecond, MIN_CHECKABLE_MODEL_BYTES, PLAUSIBILITY_TOLERANCE } from "./plausibility";

const Q4_8B = 4_920_000_000; // Llama 3.1 8B Q4_K_M
const claim = (o: Partial<Parameters<typeof checkDecodeClaim>[0]>) =>
  checkDecodeClaim({ hardware_class: "nvidia-rtx-4090", devices: 1, model_id: "llama-3.1-8b-instruct:q4_k_m", model_size_bytes: Q4_8B, decode_tokens_per_second: 100, ...o });

describe("checkDecodeClaim", () => {
  it("refuses a single-stream decode above memory bandwidth ÷ model size, with the numbers in the message", () => {
    const v = claim({ decode_tokens_per_second: 2000 });
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.ceiling_tokens_per_second).toBeCloseTo(1008e9 / Q4_8B, 9);
      expect(v.message).toMatch(/2000\.0 tokens\/s.*nvidia-rtx-4090 \(1008 GB\/s.*4\.92 GB model at most 204\.9/);
    }
  });

  it("accepts a realistic claim and records the ceiling", () => {
    expect(claim({ decode_tokens_per_second: 150 })).toEqual({ ok: true, check: "plausible", ceiling_tokens_per_second: 1008e9 / Q4_8B, bandwidth_gb_per_second: 1008 });
  });

  it("scales with the devices that hold the model, and bounds a MIG slice by its parent GPU", () => {
    expect(claim({ hardware_class: "nvidia-h100", devices: 8, decode_tokens_per_second: 5000 }).ok).toBe(true);
    expect(claim({ hardware_class: "nvidia-h100", devices: 1, decode_tokens_per_second: 5000 }).ok).toBe(false);
    expect(classBandwidthGbPerSecond("nvidia-h100-mig-3g.40gb")).toBe(3900);
    expect(claim({ hardware_class: "nvidia-h100-mig-1g.10gb", decode_tokens_per_second: 5000 }).ok).toBe(false);
  });

  it("accepts but flags what it cannot bound: unknown hardware, unknown size, models small enough for caches", () => {
    expect(claim({ hardware_class: "nvidia-mystery-9000", decode_tokens_per_second: 1e6 })).toMatchObject({ ok: true, check: "unchecked_unknown_hardware" });
    expect(claim({ model_size_bytes: undefined, decode_tokens_per_second: 1e6 })).toMatchObject({ ok: true, check: "unchecked_unknown_model_size" });
    expect(claim({ model_size_bytes: 1_000_000, decode_tokens_per_second: 1e6 })).toMatchObject({ ok: true, check: "unchecked_small_model" });
  });

  it("never refuses a claim at or under the ceiling, and always refuses one above ceiling × tolerance", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("nvidia-rtx-4090", "nvidia-h100", "apple-m3-max", "amd-mi300x", "cpu"),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: MIN_CHECKABLE_MODEL_BYTES, max: 400_000_000_000 }),
        fc.double({ min: 0.01, max: 3, noNaN: true }),
        (hardware_class, devices, model_size_bytes, share) => {
          const ceiling = (classBandwidthGbPerSecond(hardware_class)! * devices * 1e9) / model_size_bytes;
          const v = claim({ hardware_class, devices, model_size_bytes, decode_tokens_per_second: ceiling * share });
          expect(v.ok).toBe(share <= PLAUSIBILITY_TOLERANCE);
        },
      ),
    );
  });
});
