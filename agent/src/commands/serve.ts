// `spotlane-agent [serve]`: open the engine, benchmark, register, heartbeat, serve; drain on SIGTERM.
import { requireEngine, requireSettings } from "../config/resolve";
import type { AgentConfig } from "../config/settings";
import { defaultModelId, openEngine } from "./engine";

const log = (msg: string) => console.log(`[agent] ${msg}`);

export async function serve(config: AgentConfig): Promise<void> {
  // Every setting is checked before the model loads, so a typo fails in milliseconds, not after a benchmark.
  requireSettings(config, ["server", "token"]);
  requireEngine(config);

  // Loaded only now: llama.cpp bindings take most of a second to import, and usage errors and --help should not wait.
  const [engine, { runAgent }] = await Promise.all([openEngine(config, log), import("../run-agent")]);
  const agent = await runAgent({
    serverUrl: config.server!,
    token: config.token!,
    engine,
    modelId: config.model_id ?? defaultModelId(engine),
    askUsdPerSecond: config.ask,
    name: config.name,
    host: config.host,
    port: config.port,
    publicUrl: config.public_url,
    hardwareClass: config.hardware_class,
  }).catch(async (err: unknown) => {
    await engine.close();
    throw err;
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    agent.drain().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
