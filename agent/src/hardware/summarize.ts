// Many GPUs → one hardware class for the machine's offers. A market is (model, class), so the
// class must describe the device an engine actually runs on: the largest group of like GPUs
// (most total memory; ties → the faster memory), MIG devices counted as their own class.
import type { GpuReport, HardwareReport } from "../../../lib/wire/agent";

export type HostBasics = Pick<HardwareReport, "cpu_model" | "cpu_cores" | "memory_mb">;

/** `preferClass` (an operator's override) picks that group instead, or stands alone when no GPU has it. */
export function summarizeHardware(base: HostBasics, gpus: GpuReport[], detected_by: string, preferClass?: string): HardwareReport {
  const groups = new Map<string, GpuReport[]>();
  for (const g of gpus) {
    if (!g.hardware_class || g.vendor === "other") continue; // e.g. an Intel iGPU: no engine we support runs there
    groups.set(g.hardware_class, [...(groups.get(g.hardware_class) ?? []), g]);
  }
  const total = (list: GpuReport[]) => list.reduce((sum, g) => sum + g.memory_mb, 0);
  const best = [...groups.entries()].sort(
    ([, a], [, b]) => total(b) - total(a) || (b[0]!.memory_bandwidth_gb_per_second ?? 0) - (a[0]!.memory_bandwidth_gb_per_second ?? 0),
  )[0];
  if (preferClass) {
    const members = groups.get(preferClass);
    if (!members) return { ...base, gpus, hardware_class: preferClass, detected_by: "override" };
    return describeGroup(base, gpus, preferClass, members, "override");
  }
  if (!best) return { ...base, gpus, hardware_class: "cpu", detected_by: gpus.length > 0 ? detected_by : "cpu" };
  return describeGroup(base, gpus, best[0], best[1], detected_by);
}

function describeGroup(base: HostBasics, gpus: GpuReport[], hardware_class: string, members: GpuReport[], detected_by: string): HardwareReport {
  const bandwidth = members[0]!.memory_bandwidth_gb_per_second;
  return {
    ...base,
    gpus,
    hardware_class,
    accelerator_memory_mb: members.reduce((sum, g) => sum + g.memory_mb, 0),
    ...(bandwidth ? { memory_bandwidth_gb_per_second: bandwidth } : {}),
    detected_by,
  };
}
