// Runs the vendor tools and turns their output into a HardwareReport. Every tool is optional: a
// missing one (ENOENT), one that fails (no driver loaded) or one that prints garbage becomes a
// note and detection carries on, down to the CPU fallback.
import { execFile } from "node:child_process";
import { cpus, totalmem } from "node:os";
import type { GpuReport, HardwareReport } from "../../../lib/wire/agent";
import { AMD_SMI_ARGS, parseAmdSmiStaticJson, parseRocmSmiJson, ROCM_SMI_ARGS } from "./amd";
import { parseSysctl, parseSystemProfilerJson, SYSCTL_ARGS, SYSTEM_PROFILER_ARGS } from "./apple";
import { NVIDIA_SMI_LIST_ARGS, NVIDIA_SMI_QUERY_ARGS, nvidiaGpus, parseNvidiaSmiCsv, parseNvidiaSmiList } from "./nvidia-smi";
import { summarizeHardware, type HostBasics } from "./summarize";

/** Runs a tool and resolves with its stdout; rejects (with `code: "ENOENT"` when it is not installed) otherwise. */
export type RunTool = (command: string, args: string[], timeout_ms: number) => Promise<string>;

export const runTool: RunTool = (command, args, timeout_ms) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeout_ms, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

export type Detection = { report: HardwareReport; notes: string[] };

export type DetectOptions = {
  run?: RunTool;
  platform?: NodeJS.Platform;
  host?: HostBasics;
  /** Replaces the detected class (a multi-GPU host whose engine runs on the smaller GPUs). */
  hardwareClass?: string;
};

const TOOL_TIMEOUT_MS = 5_000;
// system_profiler walks every device on the Mac and can take several seconds.
const SYSTEM_PROFILER_TIMEOUT_MS = 20_000;

function describe(tool: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException & { killed?: boolean };
  if (e.code === "ENOENT") return `${tool}: not installed`;
  if (e.killed) return `${tool}: timed out`;
  return `${tool}: ${(e.message ?? String(err)).split("\n")[0]}`;
}

function hostBasics(): HostBasics {
  const cpu = cpus();
  return { cpu_model: cpu[0]?.model ?? "unknown", cpu_cores: Math.max(1, cpu.length), memory_mb: Math.round(totalmem() / 1024 / 1024) };
}

async function tryTool<T>(notes: string[], tool: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    notes.push(err instanceof SyntaxError ? `${tool}: unreadable output (${err.message})` : describe(tool, err));
    return null;
  }
}

async function detectNvidia(run: RunTool, notes: string[]): Promise<GpuReport[]> {
  const rows = await tryTool(notes, "nvidia-smi", async () => parseNvidiaSmiCsv(await run("nvidia-smi", NVIDIA_SMI_QUERY_ARGS, TOOL_TIMEOUT_MS)));
  if (!rows || rows.length === 0) return [];
  // Only MIG-enabled GPUs need the device listing.
  const list = rows.some((r) => r.mig_enabled) ? await tryTool(notes, "nvidia-smi -L", async () => parseNvidiaSmiList(await run("nvidia-smi", NVIDIA_SMI_LIST_ARGS, TOOL_TIMEOUT_MS))) : null;
  return nvidiaGpus(rows, list ?? []);
}

async function detectAmd(run: RunTool, notes: string[]): Promise<{ gpus: GpuReport[]; tool: string }> {
  // amd-smi replaces rocm-smi (ROCm 6+); older installs only have rocm-smi.
  const viaAmdSmi = await tryTool(notes, "amd-smi", async () => parseAmdSmiStaticJson(await run("amd-smi", AMD_SMI_ARGS, TOOL_TIMEOUT_MS)));
  if (viaAmdSmi && viaAmdSmi.length > 0) return { gpus: viaAmdSmi, tool: "amd-smi" };
  const viaRocmSmi = await tryTool(notes, "rocm-smi", async () => parseRocmSmiJson(await run("rocm-smi", ROCM_SMI_ARGS, TOOL_TIMEOUT_MS)));
  return { gpus: viaRocmSmi ?? [], tool: "rocm-smi" };
}

async function detectApple(run: RunTool, notes: string[]): Promise<GpuReport[]> {
  const sysctl = await tryTool(notes, "sysctl", async () => parseSysctl(await run("sysctl", SYSCTL_ARGS, TOOL_TIMEOUT_MS)));
  const gpus = await tryTool(notes, "system_profiler", async () =>
    parseSystemProfilerJson(await run("system_profiler", SYSTEM_PROFILER_ARGS, SYSTEM_PROFILER_TIMEOUT_MS), sysctl ?? undefined),
  );
  return gpus ?? [];
}

/** Detects GPUs (NVIDIA, AMD, Apple), falling back to the CPU; never throws. */
export async function detectHardwareWithNotes(opts: DetectOptions = {}): Promise<Detection> {
  const run = opts.run ?? runTool;
  const base = opts.host ?? hostBasics();
  const notes: string[] = [];
  let report: HardwareReport;
  if ((opts.platform ?? process.platform) === "darwin") {
    report = summarizeHardware(base, await detectApple(run, notes), "system_profiler", opts.hardwareClass);
  } else {
    const [nvidia, amd] = await Promise.all([detectNvidia(run, notes), detectAmd(run, notes)]);
    const tools = [nvidia.length > 0 ? "nvidia-smi" : null, amd.gpus.length > 0 ? amd.tool : null].filter(Boolean).join("+");
    report = summarizeHardware(base, [...nvidia, ...amd.gpus], tools || "cpu", opts.hardwareClass);
  }
  return { report, notes };
}

export async function detectHardware(opts: DetectOptions = {}): Promise<HardwareReport> {
  return (await detectHardwareWithNotes(opts)).report;
}
