// Usage texts. The first line of the serve usage is what scripts and the README rely on.
import { envOf, flagOf, SETTINGS, type SettingKey } from "../config/settings";

const line = (key: SettingKey, arg: string) => {
  const setting = SETTINGS[key];
  const def = "default" in setting ? ` (default ${String(setting.default)})` : "";
  return `  --${`${flagOf(key)} ${arg}`.padEnd(28)} ${setting.help}${def}`;
};

function engineFlags(): string[] {
  return [line("model", "PATH"), line("engine", "KIND"), line("engine_url", "URL"), line("engine_api_key", "KEY"), line("slots", "N"), line("context", "N"), line("threads", "N"), `  --${"gpu".padEnd(28)} ${SETTINGS.gpu.help}`];
}

const CONFIG_NOTE = `
Every flag can also come from a JSON config file (--config agent.json, keys in snake_case:
{"server": "…", "token": "…", "model": "…", "slots": 4}) or from SPOTLANE_AGENT_<KEY> variables
(${envOf("token")}, ${envOf("engine_url")}, …). Flags win over variables, variables over the file.`;

export const SERVE_USAGE = `spotlane-agent: sell your GPU's inference capacity on Spotlane, by the second.

Usage: npm run agent -- --server URL --token TOKEN --model path/to/model.gguf [options]
       npm run agent -- --server URL --token TOKEN --engine llama-server|vllm --engine-url URL [options]
       npm run agent -- bench | status | doctor [options]     (see: npm run agent -- COMMAND --help)

${line("server", "URL")}
${line("token", "TOKEN")}
${engineFlags().join("\n")}
${line("model_id", "ID")}
${line("ask", "USD")}
${line("name", "NAME")}
${line("host", "ADDR")}
${line("port", "N")}
${line("public_url", "URL")}
${line("hardware_class", "CLASS")}
${line("engine_ready_timeout_s", "S")}
  --${"config PATH".padEnd(28)} JSON config file
${CONFIG_NOTE}
`;

export const BENCH_USAGE = `spotlane-agent bench: run the standard benchmark and print it as a table.

Usage: npm run agent -- bench --model path/to/model.gguf [--slots N --context N --threads N --gpu]
       npm run agent -- bench --engine llama-server|vllm --engine-url URL [--slots N]

${engineFlags().join("\n")}
${line("hardware_class", "CLASS")}
  --${"rounds N".padEnd(28)} rounds per case (default 3)
  --${"json".padEnd(28)} print the report as JSON
  --${"config PATH".padEnd(28)} JSON config file
`;

export const STATUS_USAGE = `spotlane-agent status: what the marketplace thinks of this machine, and why it gets no traffic.

Usage: npm run agent -- status --server URL --token TOKEN [--name NAME | --machine-id ID | --all]

${line("server", "URL")}
${line("token", "TOKEN")}
${line("name", "NAME")}
  --${"machine-id ID".padEnd(28)} ask about this machine id
  --${"all".padEnd(28)} every machine of this token's provider
  --${"json".padEnd(28)} print the marketplace's answer as JSON
  --${"config PATH".padEnd(28)} JSON config file
`;

export const DOCTOR_USAGE = `spotlane-agent doctor: check everything the agent needs, without registering.

Usage: npm run agent -- doctor [the flags you run the agent with]

Checks: hardware detection, model file (GGUF), engine reachable and generating, marketplace
reachable, clock skew against the marketplace (signatures allow 30 s), agent token, and this
agent's endpoint reachable from this machine (--host/--port/--public-url).
`;
