// `spotlane-agent bench`: the standard suite on this machine's engine, printed as a table (or JSON).
import { UsageError, requireEngine } from "../config/resolve";
import type { AgentConfig } from "../config/settings";
import { openEngine } from "./engine";

export async function bench(config: AgentConfig, extra: { rounds?: string | boolean; json?: string | boolean }): Promise<void> {
  requireEngine(config);
  const rounds = extra.rounds === undefined ? undefined : Number(extra.rounds);
  if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1)) throw new UsageError("--rounds must be a positive integer");
  const progress = (msg: string) => console.error(`[bench] ${msg}`);

  const [{ runBenchmarkSuite, formatReport }, { detectHardware }] = await Promise.all([import("../benchmark/index"), import("../hardware")]);
  const [hardware, engine] = await Promise.all([detectHardware({ hardwareClass: config.hardware_class }), openEngine(config, progress)]);
  try {
    progress(`${engine.info.engine} (${engine.info.engine_version}), ${engine.info.slots} slot(s), on ${hardware.hardware_class}; warming up`);
    const report = await runBenchmarkSuite(engine, { rounds, onCase: (c) => progress(`${c.name}: ${c.skipped ? `skipped (${c.skipped})` : `TTFT p50 ${c.ttft_p50_ms} ms`}`) });
    if (extra.json) console.log(JSON.stringify({ hardware, ...report }, null, 2));
    else {
      const bw = hardware.memory_bandwidth_gb_per_second ? `, ${hardware.memory_bandwidth_gb_per_second} GB/s` : "";
      console.log(`hardware ${hardware.hardware_class}${bw} (${hardware.detected_by ?? "detected"})`);
      console.log(formatReport(report));
    }
  } finally {
    await engine.close();
  }
}
