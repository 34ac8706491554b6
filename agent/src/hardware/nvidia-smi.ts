// nvidia-smi parsing. Formats: `nvidia-smi --help-query-gpu` (CSV fields) and `nvidia-smi -L`
// (one "GPU i: NAME (UUID: GPU-…)" line per GPU, then "  MIG <profile> Device  j: (UUID: MIG-…)"
// per MIG device). Recorded outputs and their sources: agent/test-fixtures/hardware/README.md.
import type { GpuReport } from "../../../lib/wire/agent";
import { memoryBandwidthGbPerSecond } from "./bandwidth";
import { nvidiaClass, nvidiaMigClass } from "./classes";

/** Fields asked of `nvidia-smi --query-gpu`; name and memory first so the legacy two-column form parses the same. */
export const NVIDIA_QUERY_FIELDS = ["name", "memory.total", "mig.mode.current", "uuid"] as const;
export const NVIDIA_SMI_QUERY_ARGS = [`--query-gpu=${NVIDIA_QUERY_FIELDS.join(",")}`, "--format=csv,noheader,nounits"];
export const NVIDIA_SMI_LIST_ARGS = ["-L"];

export type NvidiaSmiRow = { name: string; memory_mb: number; mig_enabled: boolean; uuid: string | null };

const notAvailable = (v: string | undefined) => v === undefined || v === "" || /^\[.*\]$/.test(v); // "[N/A]", "[Not Supported]"

/** Parses `--query-gpu=name,memory.total[,mig.mode.current,uuid] --format=csv,noheader,nounits` (memory in MiB). */
export function parseNvidiaSmiCsv(csv: string): NvidiaSmiRow[] {
  return csv
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [name = "", mem, mig, uuid] = line.split(",").map((s) => s.trim());
      return {
        name,
        memory_mb: notAvailable(mem) ? 0 : Number.parseInt(mem!, 10) || 0,
        mig_enabled: mig?.toLowerCase() === "enabled",
        uuid: notAvailable(uuid) ? null : uuid!,
      };
    });
}

/** Kept for callers of the first agent version: name and memory per GPU, nothing derived. */
export function parseNvidiaSmi(csv: string): GpuReport[] {
  return parseNvidiaSmiCsv(csv).map(({ name, memory_mb }) => ({ name, memory_mb, vendor: "nvidia" as const }));
}

export type NvidiaListEntry = { index: number; name: string; uuid: string | null; mig: { profile: string; device: number; uuid: string | null }[] };

/** Parses `nvidia-smi -L`: GPUs in index order, each with its MIG devices. */
export function parseNvidiaSmiList(text: string): NvidiaListEntry[] {
  const gpus: NvidiaListEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const gpu = /^GPU\s+(\d+):\s+(.*?)\s+\(UUID:\s*([^)]+)\)\s*$/.exec(raw.trim());
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2]!, uuid: gpu[3]!.trim(), mig: [] });
      continue;
    }
    const mig = /^MIG\s+(\S+)\s+Device\s+(\d+):\s*(?:\(UUID:\s*([^)]+)\))?/.exec(raw.trim());
    if (mig && gpus.length > 0) gpus[gpus.length - 1]!.mig.push({ profile: mig[1]!, device: Number(mig[2]), uuid: mig[3]?.trim() ?? null });
  }
  return gpus;
}

/** "3g.40gb" → 40 × 1024 MiB (the profile's nominal size; the driver reserves a little of it). */
function migMemoryMb(profile: string): number {
  const gb = /\.(\d+)gb$/i.exec(profile);
  return gb ? Number(gb[1]) * 1024 : 0;
}

/**
 * GPUs as the agent reports them. A MIG-enabled GPU is reported as its MIG devices (that is what
 * a process can run on), each with its own class and a bandwidth share proportional to its memory
 * (MIG gives each instance whole memory slices, and with them the slices' memory controllers).
 */
export function nvidiaGpus(rows: NvidiaSmiRow[], list: NvidiaListEntry[] = []): GpuReport[] {
  return rows.flatMap((row, i): GpuReport[] => {
    const hardware_class = nvidiaClass(row.name);
    const bandwidth = memoryBandwidthGbPerSecond(hardware_class, row.name);
    const listed = list.find((l) => row.uuid !== null && l.uuid === row.uuid) ?? list.find((l) => l.index === i);
    if (row.mig_enabled && listed && listed.mig.length > 0) {
      return listed.mig.map((m) => {
        const memory_mb = migMemoryMb(m.profile);
        const share = row.memory_mb > 0 && memory_mb > 0 ? Math.min(1, memory_mb / row.memory_mb) : undefined;
        return {
          name: `${row.name} MIG ${m.profile}`,
          memory_mb,
          vendor: "nvidia",
          hardware_class: nvidiaMigClass(row.name, m.profile),
          mig_profile: m.profile,
          ...(bandwidth && share ? { memory_bandwidth_gb_per_second: Math.round(bandwidth * share) } : {}),
        };
      });
    }
    return [{ name: row.name, memory_mb: row.memory_mb, vendor: "nvidia", hardware_class, ...(bandwidth ? { memory_bandwidth_gb_per_second: bandwidth } : {}) }];
  });
}
