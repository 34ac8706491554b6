import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSysctl, parseSystemProfilerJson } from "./apple";
import { appleClass } from "./classes";

const fixture = (name: string) => readFileSync(new URL(`../../test-fixtures/hardware/${name}`, import.meta.url), "utf8");

describe("system_profiler SPDisplaysDataType SPHardwareDataType -json (recorded)", () => {
  it("M3 Max, 40-core GPU: unified memory from sysctl, 400 GB/s", () => {
    const sysctl = parseSysctl(fixture("sysctl-m3-max.txt"));
    expect(sysctl).toEqual({ memory_bytes: 68719476736, brand: "Apple M3 Max" });
    expect(parseSystemProfilerJson(fixture("system-profiler-m3-max.json"), sysctl)).toEqual([
      { name: "Apple M3 Max", memory_mb: 65536, vendor: "apple", hardware_class: "apple-m3-max", memory_bandwidth_gb_per_second: 400 },
    ]);
  });

  it("the binned M3 Max (30-core GPU) has the narrower bus; without sysctl the memory comes from physical_memory", () => {
    expect(parseSystemProfilerJson(fixture("system-profiler-m3-max-30-core.json"))).toEqual([
      { name: "Apple M3 Max", memory_mb: 36864, vendor: "apple", hardware_class: "apple-m3-max", memory_bandwidth_gb_per_second: 300 },
    ]);
  });

  it("M2 Ultra Mac Studio, 192 GB", () => {
    const gpus = parseSystemProfilerJson(fixture("system-profiler-m2-ultra.json"), parseSysctl(fixture("sysctl-m2-ultra.txt")));
    expect(gpus).toEqual([{ name: "Apple M2 Ultra", memory_mb: 196608, vendor: "apple", hardware_class: "apple-m2-ultra", memory_bandwidth_gb_per_second: 800 }]);
  });

  it("Intel Mac: the iGPU is 'other', the discrete AMD GPU keeps its VRAM", () => {
    expect(parseSystemProfilerJson(fixture("system-profiler-intel-mac.json"))).toEqual([
      { name: "Intel UHD Graphics 630", memory_mb: 1536, vendor: "other" },
      { name: "AMD Radeon Pro 5500M", memory_mb: 8192, vendor: "amd", hardware_class: "amd-radeon-pro-5500m" },
    ]);
  });

  it("a macOS VM's chip gets its own class", () => {
    const json = JSON.stringify({ SPDisplaysDataType: [{ _name: "Apple M4 Max", sppci_model: "Apple M4 Max", spdisplays_vendor: "sppci_vendor_Apple" }], SPHardwareDataType: [{ chip_type: "Apple M4 Max (Virtual)", physical_memory: "4 GB" }] });
    expect(parseSystemProfilerJson(json)[0]!.hardware_class).toBe("apple-m4-max-virtual");
  });
});

describe("Apple hardware classes", () => {
  it.each([
    ["Apple M3 Max", "apple-m3-max"],
    ["Apple M2 Ultra", "apple-m2-ultra"],
    ["Apple M1", "apple-m1"],
    ["Apple M4 Pro", "apple-m4-pro"],
  ])("%s → %s", (chip, cls) => expect(appleClass(chip)).toBe(cls));
});
