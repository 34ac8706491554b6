import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nvidiaGpus, parseNvidiaSmiCsv, parseNvidiaSmiList } from "./nvidia-smi";

const fixture = (name: string) => readFileSync(new URL(`../../test-fixtures/hardware/${name}`, import.meta.url), "utf8");

describe("nvidia-smi --query-gpu (recorded)", () => {
  it("8× H100: eight whole GPUs of one class with the SXM bandwidth", () => {
    const gpus = nvidiaGpus(parseNvidiaSmiCsv(fixture("nvidia-smi-query-8x-h100.csv")));
    expect(gpus).toHaveLength(8);
    for (const g of gpus) {
      expect(g).toEqual({ name: "NVIDIA H100 80GB HBM3", memory_mb: 81559, vendor: "nvidia", hardware_class: "nvidia-h100", memory_bandwidth_gb_per_second: 3350 });
    }
  });

  it("reads MIG mode and UUIDs; [N/A] MIG mode is not enabled", () => {
    expect(parseNvidiaSmiCsv(fixture("nvidia-smi-query-h100-mig.csv"))).toEqual([
      { name: "NVIDIA H100 80GB HBM3", memory_mb: 81559, mig_enabled: true, uuid: "GPU-7fdaf0a5-179b-f636-d15d-daf243e3ff16" },
      { name: "NVIDIA H100 80GB HBM3", memory_mb: 81559, mig_enabled: false, uuid: "GPU-20bed2f5-819b-69ad-8d42-d3e1446080c1" },
    ]);
    expect(parseNvidiaSmiCsv(fixture("nvidia-smi-query-mixed-4090-3060.csv")).map((r) => r.mig_enabled)).toEqual([false, false, false]);
  });

  it("a MIG-enabled H100 is reported as its MIG devices, each its own class with a memory-proportional bandwidth share", () => {
    const rows = parseNvidiaSmiCsv(fixture("nvidia-smi-query-h100-mig.csv"));
    const list = parseNvidiaSmiList(fixture("nvidia-smi-L-h100-mig.txt"));
    expect(list.map((g) => [g.index, g.mig.map((m) => m.profile)])).toEqual([
      [0, ["3g.40gb", "1g.10gb", "1g.10gb", "1g.10gb"]],
      [1, []],
    ]);
    const gpus = nvidiaGpus(rows, list);
    expect(gpus.map((g) => [g.hardware_class, g.memory_mb, g.mig_profile])).toEqual([
      ["nvidia-h100-mig-3g.40gb", 40960, "3g.40gb"],
      ["nvidia-h100-mig-1g.10gb", 10240, "1g.10gb"],
      ["nvidia-h100-mig-1g.10gb", 10240, "1g.10gb"],
      ["nvidia-h100-mig-1g.10gb", 10240, "1g.10gb"],
      ["nvidia-h100", 81559, undefined],
    ]);
    expect(gpus[0]!.memory_bandwidth_gb_per_second).toBe(Math.round((3350 * 40960) / 81559));
    expect(gpus[4]!.memory_bandwidth_gb_per_second).toBe(3350);
  });

  it("MIG enabled but no device listing (nvidia-smi -L failed): falls back to the whole GPU", () => {
    const gpus = nvidiaGpus(parseNvidiaSmiCsv(fixture("nvidia-smi-query-h100-mig.csv")), []);
    expect(gpus.map((g) => g.hardware_class)).toEqual(["nvidia-h100", "nvidia-h100"]);
  });

  it("an unknown name keeps a stable class and claims no bandwidth", () => {
    expect(nvidiaGpus(parseNvidiaSmiCsv(fixture("nvidia-smi-query-unknown-name.csv")))).toEqual([
      { name: "NVIDIA Graphics Device", memory_mb: 97871, vendor: "nvidia", hardware_class: "nvidia-graphics-device" },
    ]);
  });
});
