import { describe, expect, it } from "vitest";
import { nvidiaClass, parseNvidiaSmi } from "./hardware";

describe("nvidia-smi parsing", () => {
  it("reads name and memory (MiB) per GPU from --format=csv,noheader,nounits", () => {
    const csv = "NVIDIA H100 80GB HBM3, 81559\nNVIDIA H100 80GB HBM3, 81559\n";
    expect(parseNvidiaSmi(csv)).toEqual([
      { name: "NVIDIA H100 80GB HBM3", memory_mb: 81559, vendor: "nvidia" },
      { name: "NVIDIA H100 80GB HBM3", memory_mb: 81559, vendor: "nvidia" },
    ]);
  });

  it("tolerates CRLF, blank lines, padding and unknown memory", () => {
    expect(parseNvidiaSmi("\r\n  NVIDIA GeForce RTX 4090 ,  24564 \r\nTesla T4, [N/A]\r\n\r\n")).toEqual([
      { name: "NVIDIA GeForce RTX 4090", memory_mb: 24564, vendor: "nvidia" },
      { name: "Tesla T4", memory_mb: 0, vendor: "nvidia" },
    ]);
  });

  it("empty output (no GPU) parses to no GPUs", () => {
    expect(parseNvidiaSmi("")).toEqual([]);
    expect(parseNvidiaSmi("\n")).toEqual([]);
  });
});

describe("NVIDIA hardware classes", () => {
  it.each([
    ["NVIDIA H100 80GB HBM3", "nvidia-h100"],
    ["NVIDIA H100 PCIe", "nvidia-h100"],
    ["NVIDIA H200", "nvidia-h200"],
    ["NVIDIA GeForce RTX 4090", "nvidia-rtx-4090"],
    ["NVIDIA GeForce RTX 4090 D", "nvidia-rtx-4090-d"],
    ["NVIDIA GeForce RTX 4090 Laptop GPU", "nvidia-rtx-4090-laptop"],
    ["NVIDIA GeForce RTX 3090 Ti", "nvidia-rtx-3090-ti"],
    ["NVIDIA GeForce RTX 4080 SUPER", "nvidia-rtx-4080-super"],
    ["NVIDIA A100-SXM4-80GB", "nvidia-a100"],
    ["NVIDIA A100 80GB PCIe", "nvidia-a100"],
    ["NVIDIA A10G", "nvidia-a10g"],
    ["Tesla T4", "nvidia-t4"],
    ["Tesla V100-SXM2-16GB", "nvidia-v100"],
    ["NVIDIA L40S", "nvidia-l40s"],
    ["NVIDIA L4", "nvidia-l4"],
    ["NVIDIA RTX A6000", "nvidia-a6000"],
    ["NVIDIA RTX 6000 Ada Generation", "nvidia-rtx-6000-ada"],
    ["NVIDIA B200", "nvidia-b200"],
    ["Quadro RTX 8000", "nvidia-rtx-8000"],
    ["NVIDIA T400", "nvidia-t400"],
  ])("%s → %s", (name, cls) => {
    expect(nvidiaClass(name)).toBe(cls);
  });
});
