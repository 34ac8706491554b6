// `spotlane-agent bench`: the standard suite on this machine's engine, printed as a table (or JSON).
import { stat } from "node:fs/promises";
import { UsageError, requireEngine } from "../config/resolve";
import type { AgentConfig } from "../config/settings";
import { openEngine } from "./engine";

/** Bandwidth ÷ weights: the most tokens/s one stream can decode. Embedded only (the file is here). */
async function decodeCeiling(config: AgentConfig, bandwidth_gb_per_second: number | undefined): Promise<number | null> {
  if (config.engine !== "embedded" || !config.model || !bandwidth_gb_per_second) return null;
  const { size } = await stat(config.model);
  return size > 0 ? (bandwidth_gb_per_second * 1e9) / size : null;
}

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
    const ceiling = await decodeCeiling(config, hardware.memory_bandwidth_gb_per_second);
    if (extra.json) console.log(JSON.stringify({ hardware, ...report, ...(ceiling ? { single_stream_decode_ceiling_tokens_per_second: ceiling } : {}) }, null, 2));
    else {
      const bw = hardware.memory_bandwidth_gb_per_second ? `, ${hardware.memory_bandwidth_gb_per_second} GB/s` : "";
      console.log(`hardware ${hardware.hardware_class}${bw} (${hardware.hardware_class === "cpu" ? "no GPU found" : hardware.detected_by})`);
      console.log(formatReport(report));
      // The marketplace rejects claims above this: one stream reads every weight once per token.
      if (ceiling) console.log(`ceiling: ${Math.round(ceiling).toLocaleString("en-US")} tok/s per stream (memory bandwidth ÷ model file size)`);
    }
  } finally {
    await engine.close();
  }
}
