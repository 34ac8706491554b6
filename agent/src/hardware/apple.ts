// Apple Silicon: `system_profiler SPDisplaysDataType SPHardwareDataType -json` (GPU: sppci_model,
// sppci_cores, spdisplays_vendor; machine: chip_type, physical_memory) and
// `sysctl -n hw.memsize machdep.cpu.brand_string` (bytes, then the chip name, one per line).
// Apple GPUs share the machine's unified memory, so the GPU's memory is the machine's.
import type { GpuReport } from "../../../lib/wire/agent";
import { memoryBandwidthGbPerSecond } from "./bandwidth";
import { amdClass, appleClass, nvidiaClass } from "./classes";

export const SYSTEM_PROFILER_ARGS = ["SPDisplaysDataType", "SPHardwareDataType", "-json"];
export const SYSCTL_ARGS = ["-n", "hw.memsize", "machdep.cpu.brand_string"];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export type Sysctl = { memory_bytes: number | null; brand: string | null };

export function parseSysctl(text: string): Sysctl {
  const [mem, ...rest] = text.split(/\r?\n/).map((l) => l.trim());
  const bytes = Number(mem);
  return { memory_bytes: Number.isFinite(bytes) && bytes > 0 ? bytes : null, brand: rest.find(Boolean) ?? null };
}

/** "64 GB" → 65536 MiB. */
function memoryMb(text: unknown): number {
  const m = /([\d.]+)\s*(TB|GB|MB)/i.exec(String(text ?? ""));
  if (!m) return 0;
  const scale: Record<string, number> = { tb: 1024 * 1024, gb: 1024, mb: 1 };
  return Math.round(Number(m[1]) * scale[m[2]!.toLowerCase()]!);
}

/**
 * GPUs from system_profiler. Apple GPUs get the unified memory size (sysctl's hw.memsize when
 * given, else SPHardwareDataType's physical_memory) and a bandwidth picked by GPU core count;
 * discrete GPUs in Intel Macs keep their own VRAM.
 */
export function parseSystemProfilerJson(text: string, sysctl?: Sysctl): GpuReport[] {
  const doc: unknown = JSON.parse(text);
  if (!isObject(doc)) return [];
  const hardware = Array.isArray(doc.SPHardwareDataType) && isObject(doc.SPHardwareDataType[0]) ? doc.SPHardwareDataType[0] : {};
  const unifiedMb = sysctl?.memory_bytes ? Math.round(sysctl.memory_bytes / 1024 / 1024) : memoryMb(hardware.physical_memory);
  const displays = Array.isArray(doc.SPDisplaysDataType) ? doc.SPDisplaysDataType.filter(isObject) : [];
  return displays.flatMap((d): GpuReport[] => {
    const name = String(d.sppci_model ?? d._name ?? "").trim();
    if (!name) return [];
    const vendor = String(d.spdisplays_vendor ?? "").toLowerCase();
    if (vendor.includes("apple") || /^apple m\d/i.test(name)) {
      // In a macOS VM the chip reads "Apple M4 Max (Virtual)": a paravirtual GPU, its own class.
      const chip = typeof hardware.chip_type === "string" && /\(virtual\)/i.test(hardware.chip_type) ? hardware.chip_type : name;
      const hardware_class = appleClass(chip);
      const cores = d.sppci_cores ? `${d.sppci_cores}-core` : "";
      const bandwidth = memoryBandwidthGbPerSecond(hardware_class, cores);
      return [{ name, memory_mb: unifiedMb, vendor: "apple", hardware_class, ...(bandwidth ? { memory_bandwidth_gb_per_second: bandwidth } : {}) }];
    }
    const vram = memoryMb(d.spdisplays_vram ?? d.spdisplays_vram_shared);
    if (vendor.includes("amd") || vendor.includes("ati")) return [{ name, memory_mb: vram, vendor: "amd", hardware_class: amdClass(name, vram) }];
    if (vendor.includes("nvidia")) return [{ name, memory_mb: vram, vendor: "nvidia", hardware_class: nvidiaClass(name) }];
    return [{ name, memory_mb: vram, vendor: "other" }];
  });
}
