// AMD parsing: `rocm-smi --showproductname --showmeminfo vram --json` (ROCm SMI; keys are the
// printed labels: "Card Series" — "Card series" before ROCm 6 — and "VRAM Total Memory (B)") and
// `amd-smi static --json` (AMD SMI, ROCm 6+: a list of GPUs, wrapped in {"gpu_data": […]} by
// newer releases; asic.market_name, vram.size {value, unit: "MB"}, vram.max_bandwidth {value,
// unit: "GB/s"}). Recorded outputs and sources: agent/test-fixtures/hardware/README.md.
import type { GpuReport } from "../../../lib/wire/agent";
import { memoryBandwidthGbPerSecond } from "./bandwidth";
import { amdClass } from "./classes";

export const ROCM_SMI_ARGS = ["--showproductname", "--showmeminfo", "vram", "--json"];
export const AMD_SMI_ARGS = ["static", "--json"];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Case-insensitive field lookup: rocm-smi changed "Card series" to "Card Series" across releases. */
function field(obj: Json, ...names: string[]): unknown {
  for (const name of names) {
    const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key !== undefined) return obj[key];
  }
  return undefined;
}

const MIB = 1024 * 1024;

function amdGpu(name: string, memory_mb: number, reportedBandwidth?: number): GpuReport {
  const hardware_class = amdClass(name, memory_mb);
  const bandwidth = memoryBandwidthGbPerSecond(hardware_class, name) ?? reportedBandwidth;
  return { name, memory_mb, vendor: "amd", hardware_class, ...(bandwidth ? { memory_bandwidth_gb_per_second: bandwidth } : {}) };
}

/** One GPU per "cardN" key; other keys ("system") are not GPUs. */
export function parseRocmSmiJson(text: string): GpuReport[] {
  const doc: unknown = JSON.parse(text);
  if (!isObject(doc)) return [];
  return Object.keys(doc)
    .filter((k) => /^card\d+$/i.test(k))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
    .flatMap((k) => {
      const card = doc[k];
      if (!isObject(card)) return [];
      const series = String(field(card, "Card Series", "Card series") ?? "").trim();
      const model = String(field(card, "Card Model", "Card model") ?? "").trim();
      const bytes = Number(field(card, "VRAM Total Memory (B)"));
      const name = series || model || k;
      return [amdGpu(name, Number.isFinite(bytes) && bytes > 0 ? Math.round(bytes / MIB) : 0)];
    });
}

/** {value, unit} or "196592 MB" or a bare number (MB) → MiB; "N/A" → 0. */
function sizeMb(v: unknown): number {
  let value: number;
  let unit = "MB";
  if (isObject(v)) {
    value = Number(v.value);
    unit = String(v.unit ?? "MB");
  } else if (typeof v === "string") {
    const m = /^\s*([\d.]+)\s*([a-z]*)/i.exec(v);
    if (!m) return 0;
    value = Number(m[1]);
    unit = m[2] || "MB";
  } else value = Number(v);
  if (!Number.isFinite(value) || value <= 0) return 0;
  const scale: Record<string, number> = { b: 1 / MIB, kb: 1 / 1024, mb: 1, gb: 1024 };
  return Math.round(value * (scale[unit.toLowerCase()] ?? 1));
}

function bandwidthGbps(v: unknown): number | undefined {
  const n = isObject(v) ? Number(v.value) : typeof v === "string" ? Number.parseFloat(v) : Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function parseAmdSmiStaticJson(text: string): GpuReport[] {
  const doc: unknown = JSON.parse(text);
  const list = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.gpu_data) ? doc.gpu_data : [];
  return list.filter(isObject).map((gpu, i) => {
    const asic = isObject(gpu.asic) ? gpu.asic : {};
    const vram = isObject(gpu.vram) ? gpu.vram : {};
    const board = isObject(gpu.board) ? gpu.board : {};
    const name = String(asic.market_name ?? board.product_name ?? `AMD GPU ${gpu.gpu ?? i}`).trim();
    return amdGpu(name, sizeMb(vram.size ?? vram.vram_size), bandwidthGbps(vram.max_bandwidth));
  });
}
