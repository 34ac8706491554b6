// `spotlane-agent doctor`: runs every check with the configuration `serve` would use, prints one
// line per check, and fails (exit 1) when any check fails.
import type { AgentConfig } from "../config/settings";
import { CommandFailed } from "../cli/errors";
import { checkClock, checkEndpoint, checkEngine, checkHardware, checkMarketplace, checkModelFile, checkToken, type CheckResult } from "../doctor/checks";
import { openEngine } from "./engine";

const MARK: Record<CheckResult["verdict"], string> = { ok: "[ ok ]", warn: "[warn]", fail: "[FAIL]", skip: "[skip]" };

// Doctor waits a little for an external engine, not the ten minutes serve allows a model load.
const DOCTOR_ENGINE_READY_MS = 15_000;

export async function doctor(config: AgentConfig): Promise<void> {
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    console.log(`${MARK[r.verdict]} ${r.name.padEnd(15)} ${r.detail}`);
  };
  console.log("spotlane-agent doctor");
  report(await checkHardware(config));
  report(await checkModelFile(config));
  const log = (msg: string) => console.log(`       ${msg}`);
  // Embedded: one small slot is enough to prove the model loads and generates.
  const { result, engine } = await checkEngine(config, () => openEngine(config, log, config.engine === "embedded" ? { slots: 1, context: Math.min(config.context, 512) } : { readyTimeout_ms: DOCTOR_ENGINE_READY_MS }));
  report(result);
  try {
    const probe = await checkMarketplace(config);
    report(probe.result);
    report(checkClock(probe));
    report(await checkToken(config));
    report(await checkEndpoint(config, engine));
  } finally {
    await engine?.close();
  }
  const failed = results.filter((r) => r.verdict === "fail").length;
  const warned = results.filter((r) => r.verdict === "warn").length;
  if (failed > 0) throw new CommandFailed(`${failed} check${failed === 1 ? "" : "s"} failed${warned ? `, ${warned} warning${warned === 1 ? "" : "s"}` : ""}.`);
  console.log(warned > 0 ? `All checks passed, ${warned} warning${warned === 1 ? "" : "s"}.` : "All checks passed.");
}
