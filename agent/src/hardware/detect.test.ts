import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectHardwareWithNotes, type RunTool } from "./detect";

const fixture = (name: string) => readFileSync(new URL(`../../test-fixtures/hardware/${name}`, import.meta.url), "utf8");
const host = { cpu_model: "Test CPU", cpu_cores: 32, memory_mb: 524288 };

const enoent = (command: string) => Object.assign(new Error(`spawn ${command} ENOENT`), { code: "ENOENT" });

/** A runner answering from recorded outputs, keyed by "command first-arg"; anything else is not installed. */
function runner(outputs: Record<string, string | Error>): RunTool & { calls: string[] } {
  const calls: string[] = [];
  const run = async (command: string, args: string[]) => {
    const key = `${command} ${args[0]}`;
    calls.push(key);
    const out = outputs[key];
    if (out === undefined) throw enoent(command);
    if (out instanceof Error) throw out;
    return out;
  };
  return Object.assign(run, { calls });
}

const nvidiaQuery = "nvidia-smi --query-gpu=name,memory.total,mig.mode.current,uuid";

describe("detectHardware", () => {
  it("no vendor tool installed (ENOENT everywhere): the CPU, with a note per tool", async () => {
    const { report, notes } = await detectHardwareWithNotes({ run: runner({}), platform: "linux", host });
    expect(report).toEqual({ ...host, gpus: [], hardware_class: "cpu", detected_by: "cpu" });
    expect(notes).toEqual(["nvidia-smi: not installed", "amd-smi: not installed", "rocm-smi: not installed"]);
  });

  it("8× H100: class, total accelerator memory and per-device bandwidth", async () => {
    const { report } = await detectHardwareWithNotes({ run: runner({ [nvidiaQuery]: fixture("nvidia-smi-query-8x-h100.csv") }), platform: "linux", host });
    expect(report).toMatchObject({ hardware_class: "nvidia-h100", accelerator_memory_mb: 8 * 81559, memory_bandwidth_gb_per_second: 3350, detected_by: "nvidia-smi" });
    expect(report.gpus).toHaveLength(8);
  });

  it("mixed GPUs: the class is the group with the most memory (2× RTX 4090 over one RTX 3060)", async () => {
    const { report } = await detectHardwareWithNotes({ run: runner({ [nvidiaQuery]: fixture("nvidia-smi-query-mixed-4090-3060.csv") }), platform: "linux", host });
    expect(report).toMatchObject({ hardware_class: "nvidia-rtx-4090", accelerator_memory_mb: 2 * 24564, memory_bandwidth_gb_per_second: 1008 });
    expect(report.gpus.map((g) => g.hardware_class)).toEqual(["nvidia-rtx-4090", "nvidia-rtx-3060", "nvidia-rtx-4090"]);
  });

  it("MIG: asks nvidia-smi -L only when a GPU is in MIG mode; a whole H100 outweighs its sibling's slices", async () => {
    const run = runner({ [nvidiaQuery]: fixture("nvidia-smi-query-h100-mig.csv"), "nvidia-smi -L": fixture("nvidia-smi-L-h100-mig.txt") });
    const { report } = await detectHardwareWithNotes({ run, platform: "linux", host });
    expect(run.calls).toContain("nvidia-smi -L");
    expect(report.hardware_class).toBe("nvidia-h100");
    expect(report.gpus).toHaveLength(5);
    const whole = runner({ [nvidiaQuery]: fixture("nvidia-smi-query-8x-h100.csv") });
    await detectHardwareWithNotes({ run: whole, platform: "linux", host });
    expect(whole.calls).not.toContain("nvidia-smi -L");
  });

  it("a loaded driver is missing: nvidia-smi fails (exit 9), detection goes on to AMD", async () => {
    const failed = Object.assign(new Error(`Command failed: nvidia-smi\n${fixture("nvidia-smi-driver-not-loaded.txt")}`), { code: 9 });
    const { report, notes } = await detectHardwareWithNotes({
      run: runner({ [nvidiaQuery]: failed, "amd-smi static": fixture("amd-smi-static-2x-mi300x.json") }),
      platform: "linux",
      host,
    });
    expect(report).toMatchObject({ hardware_class: "amd-mi300x", accelerator_memory_mb: 2 * 196592, memory_bandwidth_gb_per_second: 5300, detected_by: "amd-smi" });
    expect(notes[0]).toBe("nvidia-smi: Command failed: nvidia-smi");
  });

  it("no amd-smi (ROCm 5): falls back to rocm-smi", async () => {
    const { report } = await detectHardwareWithNotes({ run: runner({ "rocm-smi --showproductname": fixture("rocm-smi-legacy-navi31-2x.json") }), platform: "linux", host });
    expect(report).toMatchObject({ hardware_class: "amd-rx-7900-xtx", detected_by: "rocm-smi" });
  });

  it("garbage output is a note, not a crash", async () => {
    const { report, notes } = await detectHardwareWithNotes({ run: runner({ "rocm-smi --showproductname": "ERROR: GPU[0] : Unable to get product name" }), platform: "linux", host });
    expect(report.hardware_class).toBe("cpu");
    expect(notes.some((n) => n.startsWith("rocm-smi: unreadable output"))).toBe(true);
  });

  it("macOS: system_profiler + sysctl", async () => {
    const run = runner({ "system_profiler SPDisplaysDataType": fixture("system-profiler-m3-max.json"), "sysctl -n": fixture("sysctl-m3-max.txt") });
    const { report } = await detectHardwareWithNotes({ run, platform: "darwin", host });
    expect(report).toMatchObject({ hardware_class: "apple-m3-max", accelerator_memory_mb: 65536, memory_bandwidth_gb_per_second: 400, detected_by: "system_profiler" });
    expect(run.calls).not.toContain(nvidiaQuery);
  });

  it("an Intel Mac with only an iGPU is a CPU machine", async () => {
    const intelOnly = JSON.parse(fixture("system-profiler-intel-mac.json"));
    intelOnly.SPDisplaysDataType = intelOnly.SPDisplaysDataType.slice(0, 1);
    const { report } = await detectHardwareWithNotes({ run: runner({ "system_profiler SPDisplaysDataType": JSON.stringify(intelOnly) }), platform: "darwin", host });
    expect(report).toMatchObject({ hardware_class: "cpu", gpus: [{ name: "Intel UHD Graphics 630", vendor: "other" }], detected_by: "system_profiler" });
  });

  it("an explicit class overrides detection and says so", async () => {
    const { report } = await detectHardwareWithNotes({ run: runner({ [nvidiaQuery]: fixture("nvidia-smi-query-mixed-4090-3060.csv") }), platform: "linux", host, hardwareClass: "nvidia-rtx-3060" });
    expect(report).toMatchObject({ hardware_class: "nvidia-rtx-3060", detected_by: "override", accelerator_memory_mb: 12288 });
    expect(report.memory_bandwidth_gb_per_second).toBeUndefined(); // not in the table: nothing claimed
  });
});
