import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAmdSmiStaticJson, parseRocmSmiJson } from "./amd";
import { amdClass } from "./classes";

const fixture = (name: string) => readFileSync(new URL(`../../test-fixtures/hardware/${name}`, import.meta.url), "utf8");

describe("rocm-smi --showproductname --showmeminfo vram --json (recorded)", () => {
  it("ROCm 6 labels: series, VRAM bytes → MiB, class and bandwidth", () => {
    expect(parseRocmSmiJson(fixture("rocm-smi-rx-7900-xt.json"))).toEqual([
      { name: "Radeon RX 7900 XT", memory_mb: 20464, vendor: "amd", hardware_class: "amd-rx-7900-xt", memory_bandwidth_gb_per_second: 800 },
    ]);
  });

  it("pre-ROCm 6 lower-case labels and an ambiguous PCI name: the 24 GB VRAM makes it an XTX", () => {
    const gpus = parseRocmSmiJson(fixture("rocm-smi-legacy-navi31-2x.json"));
    expect(gpus).toHaveLength(2);
    expect(gpus[0]).toEqual({ name: "Navi 31 [Radeon RX 7900 XT/7900 XTX]", memory_mb: 24560, vendor: "amd", hardware_class: "amd-rx-7900-xtx", memory_bandwidth_gb_per_second: 960 });
  });

  it("ignores non-card keys and cards it cannot read", () => {
    expect(parseRocmSmiJson('{"system": {"Driver version": "6.7.0"}, "card0": {"Card Series": "AMD Instinct MI300X", "VRAM Total Memory (B)": "N/A"}}')).toEqual([
      { name: "AMD Instinct MI300X", memory_mb: 0, vendor: "amd", hardware_class: "amd-mi300x", memory_bandwidth_gb_per_second: 5300 },
    ]);
    expect(() => parseRocmSmiJson("ERROR: GPU[0] : Unable to get product name")).toThrow(SyntaxError);
  });
});

describe("amd-smi static --json (recorded)", () => {
  it("ROCm 6.0–6.3 bare list: 2× MI300X", () => {
    const gpus = parseAmdSmiStaticJson(fixture("amd-smi-static-2x-mi300x.json"));
    expect(gpus).toEqual([0, 1].map(() => ({ name: "AMD Instinct MI300X", memory_mb: 196592, vendor: "amd", hardware_class: "amd-mi300x", memory_bandwidth_gb_per_second: 5300 })));
  });

  it('later releases wrap the list in {"gpu_data": …}; "N/A" bandwidth falls back to the table', () => {
    expect(parseAmdSmiStaticJson(fixture("amd-smi-static-gpu-data-rx-7900-xtx.json"))).toEqual([
      { name: "Radeon RX 7900 XTX", memory_mb: 24560, vendor: "amd", hardware_class: "amd-rx-7900-xtx", memory_bandwidth_gb_per_second: 960 },
    ]);
  });

  it("a GPU no table knows keeps amd-smi's own bandwidth figure", () => {
    const json = JSON.stringify([{ gpu: 0, asic: { market_name: "AMD Instinct MI355X" }, vram: { size: { value: 294896, unit: "MB" }, max_bandwidth: { value: 8000, unit: "GB/s" } } }]);
    expect(parseAmdSmiStaticJson(json)).toEqual([{ name: "AMD Instinct MI355X", memory_mb: 294896, vendor: "amd", hardware_class: "amd-mi355x", memory_bandwidth_gb_per_second: 8000 }]);
  });
});

describe("AMD hardware classes", () => {
  it.each([
    ["AMD Instinct MI300X", "amd-mi300x"],
    ["Instinct MI210", "amd-mi210"],
    ["AMD Instinct MI250X/MI250", "amd-mi250x"],
    ["Radeon RX 7900 XTX", "amd-rx-7900-xtx"],
    ["AMD Radeon RX 7900 XT", "amd-rx-7900-xt"],
    ["AMD Radeon PRO W7900", "amd-pro-w7900"],
    ["Phoenix3", "amd-phoenix3"],
  ])("%s → %s", (name, cls) => expect(amdClass(name)).toBe(cls));

  it("an ambiguous PCI name without a size picks the first board named", () => {
    expect(amdClass("Navi 31 [Radeon RX 7900 XT/7900 XTX/7900M]")).toBe("amd-rx-7900-xt");
    expect(amdClass("Navi 31 [Radeon RX 7900 XT/7900 XTX/7900M]", 20464)).toBe("amd-rx-7900-xt");
  });
});
