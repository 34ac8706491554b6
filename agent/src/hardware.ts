import { execFile } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { promisify } from "node:util";
import type { HardwareReport } from "../../lib/wire/agent";

const run = promisify(execFile);

/**
 * "NVIDIA GeForce RTX 4090" → "nvidia-rtx-4090"; "NVIDIA H100 80GB HBM3" → "nvidia-h100";
 * "NVIDIA RTX A6000" → "nvidia-a6000"; "NVIDIA RTX 6000 Ada Generation" → "nvidia-rtx-6000-ada".
 * Variant words that change the silicon (Ti, SUPER, D, Ada, Laptop) stay in the class.
 */
export function nvidiaClass(name: string): string {
  const n = name.toLowerCase().replace(/nvidia|geforce|tesla/g, "").trim();
  const m = /rtx\s*\d{4}(\s+(ti|super|ada|d|laptop)\b)*|[ahlbv]\d{2,4}[a-z]?|t4\b/.exec(n);
  return `nvidia-${(m?.[0] ?? n).trim().replace(/\s+/g, "-")}`;
}

/** Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): HardwareReport["gpus"] {
  return csv
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [name = "", mem = "0"] = line.split(",").map((s) => s.trim());
      return { name, memory_mb: Number.parseInt(mem, 10) || 0, vendor: "nvidia" as const };
    });
}

/** First cut: NVIDIA through nvidia-smi, otherwise the CPU. AMD and Apple detection land with the provider-trust work. */
export async function detectHardware(): Promise<HardwareReport> {
  const cpu = cpus();
  const base = { cpu_model: cpu[0]?.model ?? "unknown", cpu_cores: Math.max(1, cpu.length), memory_mb: Math.round(totalmem() / 1024 / 1024) };
  try {
    const { stdout } = await run("nvidia-smi", ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"], { timeout: 5_000 });
    const gpus = parseNvidiaSmi(stdout);
    if (gpus.length > 0) return { ...base, gpus, hardware_class: nvidiaClass(gpus[0]!.name) };
  } catch {
    // no NVIDIA tooling: fall through to the CPU
  }
  return { ...base, gpus: [], hardware_class: "cpu" };
}
